namespace PerfKit.Streaming;

/// <summary>Keeps a pipeline's checkpoint between runs. <see cref="FileCheckpointStore"/> is the default; a database or blob store fits the same two methods.</summary>
public interface ICheckpointStore
{
    /// <summary>Reads the last checkpoint saved.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The checkpoint, or null when there is none (a first run).</returns>
    ValueTask<StreamingCheckpoint?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Saves a checkpoint durably and atomically: after a crash, <see cref="LoadAsync"/> returns this one or the previous one, never a torn mix.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    ValueTask SaveAsync(StreamingCheckpoint checkpoint, CancellationToken cancellationToken);
}
