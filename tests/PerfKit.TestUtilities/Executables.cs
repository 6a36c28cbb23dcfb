namespace PerfKit.TestUtilities;

/// <summary>Finds external programs (Chromium, wrk, redis-server…) the tests and benchmarks drive.</summary>
public static class Executables
{
    /// <summary>The first of <paramref name="names"/> found in a folder of <c>PATH</c>, as a full path, or null.</summary>
    /// <param name="names">Program names, in order of preference.</param>
    /// <returns>The path, or null.</returns>
    public static string? FindOnPath(params string[] names) =>
        (from dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
         from name in names
         let file = Path.Combine(dir, name)
         where File.Exists(file)
         select file).FirstOrDefault();
}
