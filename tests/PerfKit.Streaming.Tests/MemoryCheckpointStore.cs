namespace PerfKit.Streaming.Tests;

internal sealed class MemoryCheckpointStore : ICheckpointStore
{
    public StreamingCheckpoint? Saved { get; private set; }

    public int Saves { get; private set; }

    public ValueTask<StreamingCheckpoint?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Saved);

    public ValueTask SaveAsync(StreamingCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Saved = checkpoint;
        Saves++;
        return ValueTask.CompletedTask;
    }
}
