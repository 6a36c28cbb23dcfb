using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Tests;

public sealed class HistogramTests
{
    [Theory]
    [InlineData(1e-6)]
    [InlineData(0.0123)]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(3.99)]
    [InlineData(1234.5)]
    [InlineData(7.5e10)]
    public void Midpoint_IsWithinTheStatedRelativeError(double value)
    {
        var index = LogLinearBuckets.IndexOf(value);

        LogLinearBuckets.LowerBound(index).Should().BeLessThanOrEqualTo(value);
        LogLinearBuckets.UpperBound(index).Should().BeGreaterThan(value);
        Math.Abs(LogLinearBuckets.Midpoint(index) - value).Should().BeLessThanOrEqualTo(value * LogLinearBuckets.RelativeError);
    }

    [Fact]
    public void IndexOf_PutsZeroNegativesAndNaNInTheEndBuckets()
    {
        LogLinearBuckets.IndexOf(0).Should().Be(0);
        LogLinearBuckets.IndexOf(-5).Should().Be(0);
        LogLinearBuckets.IndexOf(1e300).Should().Be(LogLinearBuckets.Count - 1);
        LogLinearBuckets.IndexOf(double.NaN).Should().BeOneOf(0, LogLinearBuckets.Count - 1);
    }

    [Fact]
    public void Percentiles_OfKnownData_AreWithinTheStatedError()
    {
        using var monitor = new TestMonitor();
        var histogram = monitor.Meter.CreateHistogram<double>("work.duration");
        var random = new Random(42);
        var values = new double[100_000];
        for (var i = 0; i < values.Length; i++)
        {
            // Log-normal latencies around 20 ms with a long tail.
            values[i] = Math.Exp(Math.Log(0.02) + (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2);
            histogram.Record(values[i]);
        }

        monitor.Tick();
        Array.Sort(values);
        var series = monitor.Monitor.GetSnapshot().Series.Single(s => s.Instrument == "work.duration");

        series.Count.Should().Be(values.Length);
        foreach (var (q, actual) in new[] { (0.5, series.P50), (0.9, series.P90), (0.95, series.P95), (0.99, series.P99), (0.999, series.P999) })
        {
            var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
            actual!.Value.Should().BeApproximately(exact, exact * LogLinearBuckets.RelativeError, $"p{q * 100}");
        }
    }
}
