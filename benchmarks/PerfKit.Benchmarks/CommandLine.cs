namespace PerfKit.Benchmarks;

/// <summary>The benchmark program's own options (<c>--name value</c>).</summary>
internal static class CommandLine
{
    /// <summary>The value after <paramref name="name"/>, or null when it is absent.</summary>
    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
