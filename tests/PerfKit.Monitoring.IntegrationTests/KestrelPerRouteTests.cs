using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.IntegrationTests;

public sealed class KestrelPerRouteTests
{
    [Fact]
    public async Task RequestDurations_OfARealKestrelApp_AreReadPerRoute_AndARouteRuleFires()
    {
        var time = new FakeTimeProvider();
        var sink = new Sink();
        var options = new MonitoringOptions { SnapshotWindow = TimeSpan.FromMinutes(5) };
        options.Rules.Add(new AlertRuleOptions
        {
            Name = "slow-route",
            Metric = "http.server.request.duration",
            Aggregation = AlertAggregation.P50,
            Threshold = 0.09,
            Window = TimeSpan.FromMinutes(5),
        });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/fast/{id}", (int id) => id);
        app.MapGet("/slow/{id}", async (int id) =>
        {
            await Task.Delay(100); // the server's own behaviour: a slow endpoint
            return id;
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        // Warm-up (JIT, first connection) before the monitor listens, so the figures are the steady state's.
        await client.GetAsync("/fast/0", TestContext.Current.CancellationToken);
        await client.GetAsync("/slow/0", TestContext.Current.CancellationToken);
        using var monitor = new MetricsMonitor([sink], options, new PerfKitMonitoringDependencies { TimeProvider = time });
        monitor.Start();

        for (var i = 0; i < 40; i++)
        {
            (await client.GetAsync($"/fast/{i}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.GetAsync($"/slow/{i}", TestContext.Current.CancellationToken)));

        // The server records a request's duration after the response is sent: tick until all 50 are in the window.
        SeriesSnapshot? fast = null, slow = null;
        for (var attempt = 0; attempt < 25; attempt++)
        {
            time.Advance(options.Interval);
            var series = monitor.GetSnapshot().Series.Where(s => s.Instrument == "http.server.request.duration").ToList();
            fast = series.SingleOrDefault(s => s.Tags.GetValueOrDefault("http.route") == "/fast/{id}");
            slow = series.SingleOrDefault(s => s.Tags.GetValueOrDefault("http.route") == "/slow/{id}");
            if (fast?.Count >= 40 && slow?.Count >= 10)
            {
                break;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // A warm-up request may be recorded just after the monitor started listening: one more at most per route.
        fast!.Count.Should().BeInRange(40, 41);
        slow!.Count.Should().BeInRange(10, 11);
        fast.Tags.Should().ContainKey("http.request.method").WhoseValue.Should().Be("GET");
        slow.P99.Should().BeGreaterThanOrEqualTo(0.1 * (1 - (1.0 / 32)));
        fast.P50.Should().BeLessThan(0.05);
        var firing = sink.Received.Should().ContainSingle().Subject;
        firing.Labels["http.route"].Should().Be("/slow/{id}");
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class Sink : IAlertSink
    {
        private readonly List<AlertNotification> _received = [];

        public IReadOnlyList<AlertNotification> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Publish(AlertNotification notification)
        {
            lock (_received)
            {
                _received.Add(notification);
            }
        }
    }
}
