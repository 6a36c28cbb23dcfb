using System.Text;

namespace PerfKit.Benchmarks.Streaming;

/// <summary>
/// The input files of the record benchmarks, generated once per size in the temporary folder (deterministic content,
/// kept between runs: generating 256 MiB takes seconds) and read once so that the page cache holds them ("warm"). A file
/// is at least its size in MiB, rounded up to whole generated blocks of about 1 MiB (8 gives 9.0 MB, 256 gives 269 MB).
/// </summary>
internal static class RecordsBenchmarkFiles
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "perfkit-benchmarks-records");

    /// <summary>Lines of 20-140 ASCII bytes (about 80 on average), each ended by '\n'.</summary>
    public static string Lines(int sizeMiB) => Create($"lines-{sizeMiB}MiB.txt", sizeMiB, (random, text) =>
    {
        var length = random.Next(20, 141);
        for (var i = 0; i < length; i++)
        {
            text.Append((char)(i % 9 == 8 ? ' ' : 'a' + random.Next(26)));
        }

        text.Append('\n');
    });

    /// <summary>CSV-ish rows without quotes: six columns (integer, word, decimal, short text, integer, date), about 60 bytes.</summary>
    public static string Csv(int sizeMiB) => Create($"rows-{sizeMiB}MiB.csv", sizeMiB, (random, text) =>
    {
        text.Append(random.Next(1_000_000)).Append(',');
        for (var i = random.Next(4, 12); i > 0; i--)
        {
            text.Append((char)('a' + random.Next(26)));
        }

        text.Append(',').Append(random.Next(100_000) / 100.0).Append(',');
        for (var i = random.Next(5, 20); i > 0; i--)
        {
            text.Append(i % 6 == 0 ? ' ' : (char)('A' + random.Next(26)));
        }

        text.Append(',').Append(random.Next(10)).Append(",2026-11-").Append(10 + random.Next(20)).Append('\n');
    });

    private static string Create(string name, int sizeMiB, Action<Random, StringBuilder> row)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name);
        var size = (long)sizeMiB << 20;
        if (!File.Exists(path) || new FileInfo(path).Length < size)
        {
            var random = new Random(42);
            var text = new StringBuilder(1 << 20);
            var temporary = path + "." + Environment.ProcessId + ".tmp";
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                long written = 0;
                while (written < size)
                {
                    text.Clear();
                    while (text.Length < (1 << 20) - 200)
                    {
                        row(random, text);
                    }

                    var bytes = Encoding.ASCII.GetBytes(text.ToString());
                    output.Write(bytes);
                    written += bytes.Length;
                }
            }

            File.Move(temporary, path, overwrite: true);
        }

        // Warm: read the whole file once, so the page cache holds it.
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        while (input.Read(buffer) > 0)
        {
        }

        return path;
    }
}
