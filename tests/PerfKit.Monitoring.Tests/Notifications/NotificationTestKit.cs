using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests.Notifications;

/// <summary>Helpers of the notification tests: alerts, a scriptable notifier, an event probe, metrics and logs per test.</summary>
internal static class NotificationTestKit
{
    /// <summary>The real-time upper bound of every wait: a test timeout, never a wait-for.</summary>
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static AlertNotification Firing(string rule, DateTimeOffset startsAt, params (string Name, string Value)[] extra) =>
        Make(rule, AlertStatus.Firing, startsAt, null, extra);

    public static AlertNotification Resolved(string rule, DateTimeOffset startsAt, DateTimeOffset endsAt, params (string Name, string Value)[] extra) =>
        Make(rule, AlertStatus.Resolved, startsAt, endsAt, extra);

    private static AlertNotification Make(string rule, AlertStatus status, DateTimeOffset startsAt, DateTimeOffset? endsAt, (string Name, string Value)[] extra)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["alertname"] = rule, ["severity"] = "warning" };
        foreach (var (name, value) in extra)
        {
            labels[name] = value;
        }

        return new AlertNotification
        {
            RuleName = rule,
            Status = status,
            Severity = AlertSeverity.Warning,
            Labels = labels,
            Annotations = new Dictionary<string, string> { ["summary"] = $"{rule} is high" },
            StartsAt = startsAt,
            EndsAt = endsAt,
            Value = 0.95,
            Fingerprint = AlertNotification.ComputeFingerprint(labels),
        };
    }

    public static NotificationDispatcherOptions Options(Action<NotificationDispatcherOptions>? configure = null)
    {
        var options = new NotificationDispatcherOptions
        {
            GroupWait = TimeSpan.FromSeconds(30),
            GroupInterval = TimeSpan.FromMinutes(5),
            RepeatInterval = TimeSpan.FromHours(1),
            InitialRetryDelay = TimeSpan.FromSeconds(1),
            MaxRetryDelay = TimeSpan.FromSeconds(10),
            MaxRetryAge = TimeSpan.FromMinutes(2),
            MaxAttempts = 3,
            SendTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task) => await task.WaitAsync(TestTimeout);

    public static async Task WithTimeout(this Task task) => await task.WaitAsync(TestTimeout);
}

/// <summary>Records the dispatcher's events in order, so a test can wait for the next one.</summary>
internal sealed class DispatcherProbe
{
    private readonly Channel<DispatcherEvent> _events = Channel.CreateUnbounded<DispatcherEvent>();

    public DispatcherProbe(NotificationDispatcher dispatcher) => dispatcher.Observer = e => _events.Writer.TryWrite(e);

    public async Task<DispatcherEvent> NextAsync()
    {
        using var timeout = new CancellationTokenSource(NotificationTestKit.TestTimeout);
        return await _events.Reader.ReadAsync(timeout.Token);
    }

    public async Task<DispatcherEvent> NextAsync(string kind)
    {
        var next = await NextAsync();
        next.Kind.Should().Be(kind, "the dispatcher's next event (notifier {0}) should be {1}", next.Notifier, kind);
        return next;
    }

    public bool TryRead(out DispatcherEvent e) => _events.Reader.TryRead(out e);
}

/// <summary>A notifier whose calls are recorded and whose answers a test scripts.</summary>
internal sealed class ScriptedNotifier(string name = "test") : IAlertNotifier
{
    private readonly ConcurrentQueue<Func<CancellationToken, Task>> _script = new();
    private readonly Channel<IReadOnlyList<AlertNotification>> _calls = Channel.CreateUnbounded<IReadOnlyList<AlertNotification>>();

    public string Name { get; } = name;

    public ConcurrentQueue<IReadOnlyList<AlertNotification>> Calls { get; } = new();

    public ConcurrentQueue<IReadOnlyList<AlertNotification>> Delivered { get; } = new();

    /// <summary>What calls do once the script is used up; default succeed.</summary>
    public Func<CancellationToken, Task> Otherwise { get; set; } = static _ => Task.CompletedTask;

    public void Then(Func<CancellationToken, Task> answer) => _script.Enqueue(answer);

    public void ThenFail(int times, Exception? exception = null)
    {
        for (var i = 0; i < times; i++)
        {
            Then(_ => throw (exception ?? new HttpRequestException("receiver down")));
        }
    }

    public async Task<IReadOnlyList<AlertNotification>> NextCallAsync()
    {
        using var timeout = new CancellationTokenSource(NotificationTestKit.TestTimeout);
        return await _calls.Reader.ReadAsync(timeout.Token);
    }

    public async Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken)
    {
        Calls.Enqueue(notifications);
        _calls.Writer.TryWrite(notifications);
        var answer = _script.TryDequeue(out var scripted) ? scripted : Otherwise;
        await answer(cancellationToken);
        Delivered.Enqueue(notifications);
    }
}

/// <summary>An <see cref="IMeterFactory"/> of one test, with the sums of its counters by instrument and notifier.</summary>
internal sealed class TestMeters : IMeterFactory
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();
    private readonly List<Meter> _meters = [];

    public TestMeters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? notifier = null;
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == PerfKitMonitoringDiagnostics.Tags.NotifierName)
                {
                    notifier = tag.Value as string;
                }
                else if (tag.Key == PerfKitMonitoringDiagnostics.Tags.NotificationFailureReason)
                {
                    reason = tag.Value as string;
                }
            }

            _sums.AddOrUpdate($"{instrument.Name}|{notifier}", value, (_, s) => s + value);
            if (reason is not null)
            {
                _sums.AddOrUpdate($"{instrument.Name}|{notifier}|{reason}", value, (_, s) => s + value);
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument, string notifier, string? reason = null) =>
        _sums.TryGetValue(reason is null ? $"{instrument}|{notifier}" : $"{instrument}|{notifier}|{reason}", out var sum) ? sum : 0;

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        _listener.RecordObservableInstruments();
        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}

/// <summary>A logger factory that records the event ids of one test.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(EventId Id, LogLevel Level, string Message)> Entries { get; } = new();

    public int Count(int eventId) => Entries.Count(e => e.Id.Id == eventId);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((eventId, logLevel, formatter(state, exception)));
    }
}
