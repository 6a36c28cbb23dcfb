using System.Runtime.CompilerServices;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The bucket layout of every histogram series: log-linear, 16 buckets per power of two from 2^-24 (about 6e-8) to
/// 2^40 (about 1.1e12), 1,024 buckets. The index is read straight from the bits of the double: the exponent picks the
/// octave, the top 4 bits of the mantissa the bucket inside it. A bucket spans at most 1/16 of its lower bound, so its
/// midpoint is within 1/32 (3.125%) of any value in it: the relative error of every percentile. Values below the range
/// (zero, negatives, and NaN, whose sign bit .NET sets) count in bucket 0, values above it in the last bucket.
/// </summary>
internal static class LogLinearBuckets
{
    public const int SubBucketBits = 4;
    public const int MinExponent = -24;
    public const int Octaves = 64;
    public const int Count = Octaves << SubBucketBits;

    /// <summary>The largest relative error of a value read back from its bucket (the midpoint).</summary>
    public const double RelativeError = 1.0 / 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOf(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)(bits >> 52) - 1023 - MinExponent;
        var index = (exponent << SubBucketBits) | (int)((bits >> (52 - SubBucketBits)) & ((1 << SubBucketBits) - 1));
        if ((uint)index >= Count)
        {
            index = exponent < 0 ? 0 : Count - 1;
        }

        return index;
    }

    public static double LowerBound(int index) =>
        Math.ScaleB(1 + ((index & ((1 << SubBucketBits) - 1)) / (double)(1 << SubBucketBits)), (index >> SubBucketBits) + MinExponent);

    public static double UpperBound(int index) => index == Count - 1 ? double.PositiveInfinity : LowerBound(index + 1);

    public static double Midpoint(int index) => index == 0 ? 0 : index == Count - 1 ? LowerBound(index) : (LowerBound(index) + LowerBound(index + 1)) / 2;
}
