using System.Globalization;

namespace PerfKit.Streaming.Tests;

/// <summary>A temporary folder of real files, deleted at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder under <paramref name="parent"/> (the temp folder by default).</summary>
    public TempFolder(string? parent = null)
    {
        Path = System.IO.Path.Combine(parent ?? System.IO.Path.GetTempPath(), "perfkit-streaming-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public static bool IsRoot => Environment.UserName == "root";

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public string Write(string relative, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    /// <summary>Writes <paramref name="count"/> files spread over folders of 100 (d000/f00000.txt ...), each one line naming itself.</summary>
    public IReadOnlyList<string> Generate(int count, string under = "data")
    {
        var paths = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var relative = string.Create(CultureInfo.InvariantCulture, $"{under}/d{i / 100:D3}/f{i:D5}.txt");
            Write(relative, string.Create(CultureInfo.InvariantCulture, $"line {i}\n"));
            paths.Add(relative);
        }

        return paths;
    }

    /// <summary>Sets Unix permissions (no-op on Windows).</summary>
    public static void Chmod(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public void Dispose()
    {
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories))
            {
                try
                {
                    Chmod(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
