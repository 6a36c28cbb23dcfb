using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Tests;

/// <summary>The L2 logs stay readable during an outage of any length: state changes, plus a summary a minute.</summary>
public sealed class DistributedLogTests
{
    [Fact]
    public void AThousandFailuresInAnOutage_LogTheStart_OneSummaryPerMinute_AndTheEnd()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var log = new DistributedLog(logger, "c", time, TimeSpan.FromSeconds(5));
        var error = new IOException("refused");

        log.Unavailable(error, "get", timedOut: false, opened: true);
        for (var i = 0; i < 1000; i++)
        {
            log.Unavailable(error, "get", timedOut: false, opened: false);
            time.Advance(TimeSpan.FromMilliseconds(150)); // 150 s in all
        }

        log.Recovered(pending: 3);

        var records = logger.Collector.GetSnapshot();
        records.Count(r => r.Id.Name == "DistributedCacheUnavailable").Should().Be(1);
        records.Count(r => r.Id.Name == "DistributedCacheStillUnavailable").Should().Be(2, "one summary per minute of a 150 s outage");
        records.Last().Id.Name.Should().Be("DistributedCacheRecovered");
        records.Last().Message.Should().Contain("1000 failed calls").And.Contain("3 queued operations");
    }

    [Fact]
    public void PerKeyErrors_AreLoggedOnceAMinute_WithTheNumberLeftOut()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var log = new DistributedLog(logger, "c", time, TimeSpan.FromSeconds(5));

        for (var i = 0; i < 100; i++)
        {
            log.KeyError(new InvalidDataException("WRONGTYPE"), "get");
        }

        time.Advance(TimeSpan.FromMinutes(1));
        log.KeyError(new InvalidDataException("WRONGTYPE"), "get");

        var records = logger.Collector.GetSnapshot();
        records.Should().HaveCount(2);
        records[1].Message.Should().Contain("99 more");
    }
}
