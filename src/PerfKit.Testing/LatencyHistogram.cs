using System.Globalization;
using System.Numerics;
using System.Text;

namespace PerfKit.Testing;

/// <summary>
/// A constant-memory latency histogram in the manner of HdrHistogram: microsecond values, exact up to 2,048 µs and
/// within 0.1% above (1,024 sub-buckets per power of two), up to about 19 hours. Recording is a couple of integer
/// operations and never allocates; no raw sample is kept, so a run of any length uses the same 220 KB.
/// </summary>
/// <remarks>Not thread-safe: give each worker its own and merge them with <see cref="Add"/>.</remarks>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 10;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int LinearLimit = 2 * SubBuckets;
    private const int MaxExponent = 36;
    private const long MaxValue = (1L << MaxExponent) - 1;

    private readonly long[] _counts = new long[LinearLimit + ((MaxExponent - SubBucketBits - 1) * SubBuckets)];
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;

    /// <summary>Recorded values.</summary>
    public long Count => _count;

    /// <summary>The smallest value recorded (exact), or zero when empty.</summary>
    public TimeSpan Min => _count == 0 ? TimeSpan.Zero : FromMicroseconds(_min);

    /// <summary>The largest value recorded (exact).</summary>
    public TimeSpan Max => FromMicroseconds(_max);

    /// <summary>The mean of the values recorded (exact).</summary>
    public TimeSpan Mean => _count == 0 ? TimeSpan.Zero : FromMicroseconds(_sum / _count);

    /// <summary>Records one latency; negative values count as zero, values past about 19 hours as that maximum.</summary>
    /// <param name="latency">The latency.</param>
    public void Record(TimeSpan latency) => RecordMicroseconds(latency.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Records one latency given in microseconds.</summary>
    /// <param name="microseconds">The latency.</param>
    public void RecordMicroseconds(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, MaxValue);
        _counts[Index(value)]++;
        _count++;
        _sum += value;
        if (value < _min)
        {
            _min = value;
        }

        if (value > _max)
        {
            _max = value;
        }
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    /// <param name="other">The histogram to merge.</param>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        _count += other._count;
        _sum += other._sum;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
    }

    /// <summary>Forgets every value.</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        _count = 0;
        _sum = 0;
        _min = long.MaxValue;
        _max = 0;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0–100): the highest value equivalent to the recorded value of that
    /// rank, so a reported p99 is never below the true one. 100 returns <see cref="Max"/>.
    /// </summary>
    /// <param name="percentile">The percentile, from 0 to 100.</param>
    /// <returns>The latency.</returns>
    public TimeSpan Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (_count == 0)
        {
            return TimeSpan.Zero;
        }

        if (percentile >= 100)
        {
            return Max;
        }

        var rank = Rank(percentile, _count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return FromMicroseconds(Math.Min(HighestEquivalent(i), _max));
            }
        }

        return Max;
    }

    /// <summary>Count, mean, p50, p90, p95, p99, p99.9 and max on one line.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"n={_count:N0} mean {Ms(Mean)} p50 {Ms(Percentile(50))} p90 {Ms(Percentile(90))} ")
            .Append(CultureInfo.InvariantCulture, $"p95 {Ms(Percentile(95))} p99 {Ms(Percentile(99))} p99.9 {Ms(Percentile(99.9))} max {Ms(Max)}")
            .ToString();
    }

    /// <summary>
    /// The nearest rank of <paramref name="percentile"/> among <paramref name="count"/> values: ⌈p/100 · n⌉, at least 1.
    /// In decimal, because in binary floating point 99.9 / 100 * 1000 is 999.0000000000001 and its ceiling 1,000:
    /// p99.9 of 1,000 values would always be the maximum. (The double-to-decimal conversion keeps 15 significant digits,
    /// so a percentile written in decimal, as they all are, is exact.)
    /// </summary>
    internal static long Rank(double percentile, long count) =>
        Math.Max(1, (long)Math.Ceiling((decimal)percentile * count / 100m));

    internal static int Index(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        var exponent = BitOperations.Log2((ulong)value);
        var subBucket = (int)(value >> (exponent - SubBucketBits));
        return LinearLimit + ((exponent - SubBucketBits - 1) * SubBuckets) + (subBucket - SubBuckets);
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var relative = index - LinearLimit;
        var exponent = (relative / SubBuckets) + SubBucketBits + 1;
        var subBucket = SubBuckets + (relative % SubBuckets);
        var shift = exponent - SubBucketBits;
        return ((long)subBucket << shift) + (1L << shift) - 1;
    }

    private static TimeSpan FromMicroseconds(long microseconds) => TimeSpan.FromTicks(microseconds * TimeSpan.TicksPerMicrosecond);
}
