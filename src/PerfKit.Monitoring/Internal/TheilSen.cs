namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The Theil–Sen slope: the median of the slopes between every pair of points. Robust: up to about 29% of the points
/// can be outliers (a GC that ran late, a burst) without moving it, unlike a least-squares fit.
/// </summary>
internal static class TheilSen
{
    /// <param name="x">The x values.</param>
    /// <param name="y">The y values.</param>
    /// <param name="scratch">At least n(n−1)/2 doubles.</param>
    /// <returns>The slope, or NaN with fewer than two distinct x.</returns>
    public static double Slope(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> scratch)
    {
        var n = 0;
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = i + 1; j < x.Length; j++)
            {
                var dx = x[j] - x[i];
                if (dx != 0)
                {
                    scratch[n++] = (y[j] - y[i]) / dx;
                }
            }
        }

        if (n == 0)
        {
            return double.NaN;
        }

        var slopes = scratch[..n];
        slopes.Sort();
        return n % 2 == 1 ? slopes[n / 2] : (slopes[(n / 2) - 1] + slopes[n / 2]) / 2;
    }
}
