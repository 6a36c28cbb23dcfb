using System.Diagnostics.Metrics;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Tests;

public sealed class CollectionTests
{
    [Fact]
    public void Histogram_IsSplitByTheConfiguredKeyTagsOnly()
    {
        using var monitor = new TestMonitor(o => o.SeriesTags["req.duration"] = ["route"]);
        var histogram = monitor.Meter.CreateHistogram<double>("req.duration", "s");
        for (var i = 0; i < 100; i++)
        {
            histogram.Record(0.010, new("route", "/a"), new("status", i));
            histogram.Record(0.200, new("route", "/b"), new("status", i));
        }

        monitor.Tick();
        var series = monitor.Monitor.GetSnapshot().Series.Where(s => s.Instrument == "req.duration").ToList();

        series.Should().HaveCount(2);
        series.Single(s => s.Tags["route"] == "/a").P99.Should().BeApproximately(0.010, 0.010 / 32);
        series.Single(s => s.Tags["route"] == "/b").P99.Should().BeApproximately(0.200, 0.200 / 32);
        series.Should().OnlyContain(s => s.Count == 100 && !s.Tags.ContainsKey("status"));
    }

    [Fact]
    public void SeriesCap_SendsNewTagSetsToAVisibleOverflowSeries()
    {
        using var monitor = new TestMonitor(o => o.MaxSeriesPerInstrument = 3);
        var counter = monitor.Meter.CreateCounter<long>("jobs");
        for (var i = 0; i < 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("job", "j" + i));
        }

        monitor.Tick();
        var series = monitor.Monitor.GetSnapshot().Series.Where(s => s.Instrument == "jobs").ToList();

        series.Should().HaveCount(4);
        var overflow = series.Single(s => s.Tags.ContainsKey(InstrumentState.OverflowTag));
        overflow.Tags[InstrumentState.OverflowTag].Should().Be("true");
        overflow.Sum.Should().Be(7);
        monitor.Monitor.OverflowMeasurements.Should().Be(7);
    }

    [Fact]
    public void Counter_GivesRateAndTotal_GaugeGivesLastMinMax()
    {
        using var monitor = new TestMonitor(o => o.SnapshotWindow = TimeSpan.FromSeconds(20));
        var counter = monitor.Meter.CreateCounter<int>("requests");
        var level = 5.0;
        monitor.Meter.CreateObservableGauge("queue", () => level);
        counter.Add(100);
        monitor.Tick();
        counter.Add(300);
        level = 9;
        monitor.Tick();

        var snapshot = monitor.Monitor.GetSnapshot();
        var requests = snapshot.Series.Single(s => s.Instrument == "requests");
        requests.Rate.Should().Be(400 / 20.0);
        requests.Last.Should().Be(400);
        var queue = snapshot.Series.Single(s => s.Instrument == "queue");
        queue.Last.Should().Be(9);
        queue.Min.Should().Be(5);
        queue.Max.Should().Be(9);
    }

    [Fact]
    public void ObservableCounter_IsReadAsIncrements()
    {
        using var monitor = new TestMonitor(o => o.SnapshotWindow = TimeSpan.FromSeconds(20));
        long total = 1000;
        monitor.Meter.CreateObservableCounter("cpu.time", () => total);
        monitor.Tick();
        total = 1050;
        monitor.Tick();
        total = 1150;
        monitor.Tick();

        var cpu = monitor.Monitor.GetSnapshot().Series.Single(s => s.Instrument == "cpu.time");

        cpu.Sum.Should().Be(150);
        cpu.Rate.Should().Be(150 / 20.0);
        cpu.Last.Should().Be(1150);
    }

    [Fact]
    public void Window_ForgetsIntervalsOlderThanIt()
    {
        using var monitor = new TestMonitor(o => o.SnapshotWindow = TimeSpan.FromSeconds(30));
        var histogram = monitor.Meter.CreateHistogram<double>("d");
        histogram.Record(5);
        monitor.Tick();
        histogram.Record(1);
        monitor.Tick(3);

        var series = monitor.Monitor.GetSnapshot().Series.Single(s => s.Instrument == "d");

        series.Count.Should().Be(1);
        series.Max.Should().BeApproximately(1, 1.0 / 32);
    }

    [Fact]
    public void UnselectedMeters_AreNotCollected()
    {
        using var monitor = new TestMonitor();
        using var other = new Meter("Other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<int>("ignored").Add(1);
        monitor.Tick();

        monitor.Monitor.GetSnapshot().Series.Should().NotContain(s => s.Meter == other.Name);
    }

    [Fact]
    public void RecordingIntoAKnownSeries_AllocatesNothing()
    {
        using var monitor = new TestMonitor(o => o.SeriesTags["rt"] = ["route"]);
        var histogram = monitor.Meter.CreateHistogram<double>("rt");
        var route = new KeyValuePair<string, object?>("route", "/orders/{id}");
        var method = new KeyValuePair<string, object?>("method", "GET");
        histogram.Record(0.01, route, method);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            histogram.Record(0.01, route, method);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }
}

public sealed class CollectionSoakAndRuntimeTests
{
    [Fact]
    public async Task ConcurrentRecording_FromManyThreads_LosesNoMeasurement()
    {
        using var monitor = new TestMonitor(o => o.SeriesTags["soak"] = ["route"]);
        var histogram = monitor.Meter.CreateHistogram<double>("soak");
        var counter = monitor.Meter.CreateCounter<long>("soak.count");
        string[] routes = ["/a", "/b", "/c", "/d", "/e", "/f"];
        const int PerThread = 50_000;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // New string instances for half of them: the lookup by value must find the same series.
                var route = i % 2 == 0 ? routes[(i + t) % routes.Length] : new string(routes[(i + t) % routes.Length].AsSpan());
                histogram.Record(0.001 * (1 + (i % 100)), new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("thread", t));
                counter.Add(1, new KeyValuePair<string, object?>("route", route));
            }
        })));
        monitor.Tick();

        var series = monitor.Monitor.GetSnapshot().Series;
        series.Where(s => s.Instrument == "soak").Should().HaveCount(routes.Length);
        series.Where(s => s.Instrument == "soak").Sum(s => s.Count).Should().Be(4 * PerThread);
        series.Where(s => s.Instrument == "soak.count").Sum(s => s.Sum).Should().Be(4 * PerThread);
    }

    [Fact]
    public void DisposedMeters_TheirInstrumentsAreDropped()
    {
        using var monitor = new TestMonitor(o => o.Meters.Add("Short.*"));
        var meter = new Meter("Short." + Guid.NewGuid().ToString("N"));
        meter.CreateCounter<int>("short.lived").Add(1);
        monitor.Tick();
        monitor.Monitor.GetSnapshot().Series.Should().Contain(s => s.Instrument == "short.lived");

        meter.Dispose();
        monitor.Tick();

        monitor.Monitor.GetSnapshot().Series.Should().NotContain(s => s.Instrument == "short.lived");
    }

    [Fact]
    public void DefaultMeters_IncludeTheRuntimesInstruments()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var monitor = new MetricsMonitor(new MonitoringOptions(), new PerfKitMonitoringDependencies { TimeProvider = time });
        monitor.Start();
        GC.Collect();
        time.Advance(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(10));

        var names = monitor.GetSnapshot().Series.Where(s => s.Meter == "System.Runtime").Select(s => s.Instrument).ToHashSet();

        names.Should().Contain(["dotnet.process.cpu.time", "dotnet.gc.collections", "dotnet.gc.last_collection.heap.size", "dotnet.thread_pool.thread.count", "dotnet.monitor.lock_contentions", "dotnet.process.memory.working_set"]);
    }
}
