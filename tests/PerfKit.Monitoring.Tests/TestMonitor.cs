using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests;

/// <summary>A monitor over a meter of its own, on a fake clock, with a recording sink.</summary>
internal sealed class TestMonitor : IDisposable
{
    public TestMonitor(Action<MonitoringOptions>? configure = null, params AlertRuleOptions[] rules)
    {
        MeterName = "Test." + Guid.NewGuid().ToString("N");
        Meter = new Meter(MeterName);
        var options = new MonitoringOptions { Meters = [MeterName] };
        foreach (var rule in rules)
        {
            rule.Meter ??= MeterName;
            options.Rules.Add(rule);
        }

        configure?.Invoke(options);
        Options = options;
        Monitor = new MetricsMonitor([Sink], options, new PerfKitMonitoringDependencies { TimeProvider = Time, LoggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs)) });
        Monitor.Start();
    }

    public string MeterName { get; }

    public Meter Meter { get; }

    public MonitoringOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    public RecordingSink Sink { get; } = new();

    public FakeLoggerProvider Logs { get; } = new();

    public MetricsMonitor Monitor { get; }

    /// <summary>Moves the clock by one interval: one tick.</summary>
    public void Tick(int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            Time.Advance(Options.Interval);
        }
    }

    public void Dispose()
    {
        Monitor.Dispose();
        Meter.Dispose();
    }
}

internal sealed class RecordingSink : IAlertSink
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

    public IEnumerable<AlertStatus> Statuses => Received.Select(n => n.Status);

    public void Publish(AlertNotification notification)
    {
        lock (_received)
        {
            _received.Add(notification);
        }
    }
}
