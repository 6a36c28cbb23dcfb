using System.Diagnostics;

namespace PerfKit.Benchmarks;

/// <summary>What several of the benchmark program's modes share: starting the program again as a child, and a median.</summary>
internal static class Self
{
    /// <summary>Start information for this benchmark program run again with <paramref name="args"/> (under the dotnet host or as its own executable), standard output redirected.</summary>
    public static ProcessStartInfo ChildStartInfo(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(Self).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>The median (the mean of the middle two for an even count); NaN when there are no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
