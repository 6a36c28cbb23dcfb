
namespace PerfKit.Testing.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_OfAUniformDistribution_AreWithinATenthOfAPercent()
    {
        var histogram = new LatencyHistogram();
        for (long us = 1; us <= 100_000; us++)
        {
            histogram.RecordMicroseconds(us);
        }

        foreach (var (p, expected) in new[] { (50.0, 50_000.0), (90.0, 90_000.0), (99.0, 99_000.0), (99.9, 99_900.0) })
        {
            var actual = histogram.Percentile(p).Ticks / 10.0;
            actual.Should().BeInRange(expected, expected * 1.001, "p{0} is the highest equivalent value of its rank", p);
        }

        histogram.Count.Should().Be(100_000);
        histogram.Max.Should().Be(TimeSpan.FromMilliseconds(100));
        histogram.Min.Should().Be(TimeSpan.FromMicroseconds(1));
        histogram.Mean.Should().Be(TimeSpan.FromMicroseconds(50_000));
    }

    [Fact]
    public void SmallValues_AreExact()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordMicroseconds(7);
        histogram.RecordMicroseconds(2047);

        histogram.Percentile(50).Should().Be(TimeSpan.FromMicroseconds(7));
        histogram.Percentile(100).Should().Be(TimeSpan.FromMicroseconds(2047));
    }

    [Fact]
    public void Buckets_CoverEveryValueWithinTheirPrecision()
    {
        var random = new Random(3);
        var outside = new List<long>();
        for (var i = 0; i < 100_000; i++)
        {
            var value = random.NextInt64(0, 1L << 36);
            var upper = LatencyHistogram.HighestEquivalent(LatencyHistogram.Index(value));
            if (upper < value || upper > (value * (1 + (1.0 / 1024))) + 1)
            {
                outside.Add(value);
            }
        }

        outside.Should().BeEmpty("every value lies in a bucket at most 1/1024 wide");
    }

    [Fact]
    public void Add_MergesCountsExtremesAndPercentiles()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (var i = 1; i <= 99; i++)
        {
            a.RecordMicroseconds(1000);
        }

        b.RecordMicroseconds(500_000);
        a.Add(b);

        a.Count.Should().Be(100);
        a.Percentile(99).Should().Be(TimeSpan.FromMicroseconds(1000));
        a.Percentile(100).Should().Be(TimeSpan.FromMilliseconds(500));
        a.Max.Should().Be(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Record_AllocatesNothing_SoMemoryStaysConstant()
    {
        var histogram = new LatencyHistogram();
        var value = 0L;

        var record = () => histogram.RecordMicroseconds(value += 997);

        record.Should().NotAllocate();
    }

    [Fact]
    public void OutOfRangeValues_AreClamped_AndBadPercentilesRejected()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromTicks(-5));
        histogram.Record(TimeSpan.FromDays(30));

        histogram.Min.Should().Be(TimeSpan.Zero);
        histogram.Max.Should().BeGreaterThan(TimeSpan.FromHours(19));
        histogram.Invoking(h => h.Percentile(101)).Should().Throw<ArgumentOutOfRangeException>();
        new LatencyHistogram().Percentile(99).Should().Be(TimeSpan.Zero);
    }
}
