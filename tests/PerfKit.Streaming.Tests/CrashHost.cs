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

        start.ArgumentList.Add(HostPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The crash host did not start.");
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
