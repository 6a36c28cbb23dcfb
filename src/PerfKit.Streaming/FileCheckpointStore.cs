using System.Text.Json;

namespace PerfKit.Streaming;

/// <summary>
/// Keeps the checkpoint in a small JSON file, written atomically: to <c>path.tmp</c>, flushed to disk, then renamed
/// over <c>path</c> (a rename within a folder is atomic on the file systems .NET supports), so a crash leaves the old
/// or the new checkpoint, never half of one. Delete the file to start over.
/// </summary>
public sealed class FileCheckpointStore : ICheckpointStore
{
    private const int CurrentVersion = 1;

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
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint this version can read (truncated, empty, not the expected JSON shape, a negative
    /// position, or an unknown <c>version</c>); the message names the file and says to delete it to start over.
    /// </exception>
    public async ValueTask<StreamingCheckpoint?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var stream = File.OpenRead(Path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                return Read(document.RootElement);
            }
            catch (JsonException e)
            {
                throw Corrupt("it is not valid JSON (truncated or damaged: " + e.Message + ")", e);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
            {
                throw Corrupt("it does not have the checkpoint's shape (" + e.Message + ")", e);
            }
        }
    }

    private StreamingCheckpoint Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt("it is not a JSON object", null);
        }

        if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != CurrentVersion)
        {
            throw Corrupt($"its version is {(root.TryGetProperty("version", out var found) ? found.GetRawText() : "missing")}, and this version of PerfKit.Streaming reads version {CurrentVersion} only", null);
        }

        var lowWaterMark = root.GetProperty("lowWaterMark").GetInt64();
        if (lowWaterMark < 0)
        {
            throw Corrupt($"its lowWaterMark is negative ({lowWaterMark})", null);
        }

        var completed = new List<KeyValuePair<long, string>>();
        foreach (var entry in root.GetProperty("completedAbove").EnumerateArray())
        {
            var sequence = entry.GetProperty("sequence").GetInt64();
            if (sequence < lowWaterMark)
            {
                throw Corrupt($"a completedAbove sequence ({sequence}) is below the lowWaterMark ({lowWaterMark})", null);
            }

            completed.Add(new(sequence, entry.GetProperty("key").GetString() ?? throw Corrupt("a completedAbove key is null", null)));
        }

        return new StreamingCheckpoint(
            lowWaterMark,
            root.TryGetProperty("lowWaterKey", out var key) && key.ValueKind != JsonValueKind.Null ? key.GetString() : null,
            completed,
            root.TryGetProperty("finished", out var finished) && finished.GetBoolean());
    }

    private InvalidDataException Corrupt(string why, Exception? inner) =>
        new($"The checkpoint file '{Path}' cannot be read: {why}. Delete it to start over (the next run then processes every item).", inner);

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
                json.WriteNumber("version", CurrentVersion);
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
