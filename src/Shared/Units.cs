using System.Globalization;

namespace PerfKit.Shared;

/// <summary>How PerfKit writes sizes in messages and reports: invariant culture, binary units.</summary>
internal static class Units
{
    private const double BytesPerMiB = 1024 * 1024;

    /// <summary>The number of mebibytes, without unit: <c>12.35</c> (at most <paramref name="decimals"/> decimals).</summary>
    public static string MiB(long bytes, int decimals = 2)
    {
        // Rounded first, and + 0.0 turns a negative zero into zero: a few bytes below zero print "0", never "-0".
        var mib = Math.Round(bytes / BytesPerMiB, Math.Clamp(decimals, 0, 3), MidpointRounding.AwayFromZero) + 0.0;
        return mib.ToString(decimals switch { 0 => "0", 1 => "0.#", 2 => "0.##", _ => "0.###" }, CultureInfo.InvariantCulture);
    }

    /// <summary>The number of kibibytes, without unit: <c>12.3</c>.</summary>
    public static string KiB(double bytes) => (bytes / 1024).ToString("0.#", CultureInfo.InvariantCulture);
}
