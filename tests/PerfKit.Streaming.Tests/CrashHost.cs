using System.Diagnostics;
using PerfKit.TestUtilities;

namespace PerfKit.Streaming.Tests;

/// <summary>Starts tests/PerfKit.Streaming.CrashHost, a pipeline or a walk in its own OS process.</summary>
internal static class CrashHost
{
    /// <summary>The user the walk tests run the host as when they run as root: root lists a chmod 000 folder, nobody does not.</summary>
    public const int UnprivilegedId = 65534;

    private const string Setpriv = "/usr/bin/setpriv";

    /// <summary>Starts the host with <paramref name="arguments"/>, its output redirected; as user and group 65534 (nobody) when <paramref name="unprivileged"/>.</summary>
    public static Process Start(IEnumerable<string> arguments, bool unprivileged = false)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Executables.FindOnPath("dotnet") ?? throw new InvalidOperationException("No dotnet host.");
        var start = new ProcessStartInfo(unprivileged ? Setpriv : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (unprivileged)
        {
            if (!File.Exists(Setpriv))
            {
                throw new InvalidOperationException($"Running as root, the test needs {Setpriv} (util-linux) to run the walk as an unprivileged user.");
            }

            foreach (var argument in new[] { $"--reuid={UnprivilegedId}", $"--regid={UnprivilegedId}", "--clear-groups", dotnet })
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (unprivileged)
        {
            // The build output may sit below a folder only root can enter (a clone under mktemp -d is 0700): nobody runs
            // a copy in a world-readable folder, with a home of its own for the dotnet host.
            start.ArgumentList.Add(UnprivilegedCopy.Value);
            start.Environment["DOTNET_CLI_HOME"] = Path.GetDirectoryName(UnprivilegedCopy.Value);
        }
        else
        {
            start.ArgumentList.Add(HostPath());
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The crash host did not start.");
    }

    private static readonly Lazy<string> UnprivilegedCopy = new(CopyForEveryone);

    /// <summary>Copies the host's build output to a new folder under /tmp that every user may read (0755 folders, 0644 files); removed when the test process exits.</summary>
    private static string CopyForEveryone()
    {
        var source = Path.GetDirectoryName(HostPath())!;
        var target = Directory.CreateDirectory(Path.Combine("/tmp", "perfkit-crashhost-" + Guid.NewGuid().ToString("N"))).FullName;
        const UnixFileMode Folder = (UnixFileMode)0b111_101_101;
        const UnixFileMode Readable = (UnixFileMode)0b110_100_100;
        TempFolder.Chmod(target, Folder);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            var folder = Path.GetDirectoryName(copy)!;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                TempFolder.Chmod(folder, Folder);
            }

            File.Copy(file, copy);
            TempFolder.Chmod(copy, Readable);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(target, recursive: true);
        return Path.Combine(target, Path.GetFileName(HostPath()));
    }

    /// <summary>The host's dll, built beside this assembly (artifacts/bin/&lt;project&gt;/&lt;configuration&gt;) because the test project references it.</summary>
    private static string HostPath()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var path = Path.GetFullPath(Path.Combine(here, "..", "..", "PerfKit.Streaming.CrashHost", Path.GetFileName(here), "PerfKit.Streaming.CrashHost.dll"));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The crash host is not built at {path}: build tests/PerfKit.Streaming.Tests (it builds tests/PerfKit.Streaming.CrashHost).", path);
    }
}
