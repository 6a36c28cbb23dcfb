using System.Text.Json;

namespace PerfKit.Streaming;

/// <summary>
/// Keeps the checkpoint in a small JSON file, written atomically: to <c>path.tmp</c>, flushed to disk, then renamed
/// over <c>path</c> (a rename within a folder is atomic on the file systems .NET supports), so a crash leaves the old
/// or the new checkpoint, never half of one. Delete the file to start over.
/// </summary>
public sealed class FileCheckpointStore : ICheckpointStore
{
    /// <summary>Creates the store.</summary>
    /// <param name="path">The checkpoint file; its folder must exist.</param>
    public FileCheckpointStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The checkpoint file's full path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async ValueTask<StreamingCheckpoint?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var stream = File.OpenRead(Path);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            var completed = new List<KeyValuePair<long, string>>();
            foreach (var entry in root.GetProperty("completedAbove").EnumerateArray())
            {
                completed.Add(new(entry.GetProperty("sequence").GetInt64(), entry.GetProperty("key").GetString() ?? string.Empty));
            }

            return new StreamingCheckpoint(
                root.GetProperty("lowWaterMark").GetInt64(),
                root.TryGetProperty("lowWaterKey", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null,
                completed,
                root.TryGetProperty("finished", out var finished) && finished.GetBoolean());
        }
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(StreamingCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var temporary = Path + ".tmp";
        var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var json = new Utf8JsonWriter(stream);
            await using (json.ConfigureAwait(false))
            {
                json.WriteStartObject();
                json.WriteNumber("version", 1);
                json.WriteNumber("lowWaterMark", checkpoint.LowWaterMark);
                if (checkpoint.LowWaterKey is not null)
                {
                    json.WriteString("lowWaterKey", checkpoint.LowWaterKey);
                }

                json.WriteBoolean("finished", checkpoint.Finished);
                json.WriteStartArray("completedAbove");
                foreach (var (sequence, key) in checkpoint.CompletedAbove)
                {
                    json.WriteStartObject();
                    json.WriteNumber("sequence", sequence);
                    json.WriteString("key", key);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // Durable before it becomes visible: flush to the disk, then rename.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
