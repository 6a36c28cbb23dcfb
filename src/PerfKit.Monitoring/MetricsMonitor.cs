using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring;

/// <summary>
/// The in-process monitor: listens to the selected meters, keeps constant-memory windows per series (percentile
/// histograms for histograms), evaluates the alert rules on a timer, publishes each alert's Firing and Resolved
/// transitions to the <see cref="IAlertSink"/>s, computes the health checks, and answers <see cref="GetSnapshot"/>.
/// </summary>
/// <remarks>
/// Nothing happens until <see cref="Start"/> (the hosted service calls it under DI). Every
/// <see cref="MonitoringOptions.Interval"/> (a timer of the <see cref="PerfKitMonitoringDependencies.TimeProvider"/>)
/// one tick reads the observable instruments, closes the current interval of every series, evaluates the rules in
/// order and refreshes the health results. A sink that throws is logged and counted, never seen by the rules.
/// </remarks>
public sealed partial class MetricsMonitor : IDisposable, IAsyncDisposable
{
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MetricCollector _collector;
    private readonly RuleRuntime[] _rules;
    private readonly Func<IEnumerable<IAlertSink>> _sinkSource;
    private readonly MonitoringMetrics _metrics;
    private readonly Lock _tickLock = new();
    private readonly Lock _sync = new();
    private readonly AlertNotification[] _history;
    private readonly WindowAccumulator _scratch = new();
    private readonly HashSet<InstrumentState> _overflowLogged = [];
    private readonly Func<double> _budget;
    private readonly Action<AlertNotification> _publish;
    private readonly Action<RuleRuntime, RuleAlertGroup> _flappingChanged;
    private IAlertSink[]? _sinks;
    private int _historyNext;
    private int _historyCount;
    private ITimer? _timer;
    private bool _started;
    private volatile bool _disposed;
    private (long Pending, long Firing, long Flapping) _alertCounts;
    private HealthCheckResult _memoryHealth = HealthCheckResult.Healthy("Not evaluated yet.");
    private HealthCheckResult _latencyHealth = HealthCheckResult.Healthy("Not evaluated yet.");
    private HealthCheckResult _alertsHealth = HealthCheckResult.Healthy("Not evaluated yet.");

    /// <summary>Creates a monitor without alert sinks (alerts still show in <see cref="GetSnapshot"/> and the health checks).</summary>
    /// <param name="options">The options; validated here (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>).</param>
    /// <param name="dependencies">The clock, logger factory and meter factory; all optional.</param>
    public MetricsMonitor(MonitoringOptions options, PerfKitMonitoringDependencies? dependencies = null)
        : this([], options, dependencies)
    {
    }

    /// <summary>Creates a monitor that publishes alert transitions to <paramref name="sinks"/>.</summary>
    /// <param name="sinks">Where Firing and Resolved transitions go (for example the notification dispatcher).</param>
    /// <param name="options">The options; validated here (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>).</param>
    /// <param name="dependencies">The clock, logger factory and meter factory; all optional.</param>
    public MetricsMonitor(IEnumerable<IAlertSink> sinks, MonitoringOptions options, PerfKitMonitoringDependencies? dependencies = null)
        : this(ToSource(sinks), options, dependencies)
    {
    }

    internal MetricsMonitor(Func<IEnumerable<IAlertSink>> sinks, MonitoringOptions options, PerfKitMonitoringDependencies? dependencies)
    {
        ArgumentNullException.ThrowIfNull(options);
        MonitoringOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _sinkSource = sinks;
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (dependencies?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PerfKit.Monitoring.MetricsMonitor");
        _collector = new MetricCollector(options);
        _rules = [.. options.Rules.Select(r => new RuleRuntime(r, options.Interval))];
        _history = new AlertNotification[options.AlertHistoryCapacity];
        _budget = () => ReadLast(KnownInstruments.MemoryMeter, KnownInstruments.MemoryBudget);
        _publish = Publish;
        _flappingChanged = (rule, group) =>
        {
            if (group.Instance.Flapping)
            {
                Log.AlertFlapping(_logger, rule.Options.Name, group.Fingerprint, rule.Options.FlapThreshold, rule.Options.FlapWindow);
            }
            else
            {
                Log.AlertCalmed(_logger, rule.Options.Name, group.Fingerprint, group.Instance.State.ToString());
            }
        };
        _metrics = MonitoringMetrics.For(dependencies?.MeterFactory);
        _metrics.Track(this);
    }

    internal bool IsDisposed => _disposed;

    internal long SeriesCount => _collector.Instruments.Sum(static i => (long)i.AllSeries.Length);

    internal long OverflowMeasurements => _collector.Instruments.Sum(static i => i.OverflowMeasurements);

    internal (long Pending, long Firing, long Flapping) AlertCounts => _alertCounts;

    internal HealthCheckResult MemoryHealth => _memoryHealth;

    internal HealthCheckResult LatencyHealth => _latencyHealth;

    internal HealthCheckResult AlertsHealth => _alertsHealth;

    /// <summary>Starts listening and the evaluation timer. Calling it again does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public void Start()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
            _collector.Start();
            _timer = _time.CreateTimer(static state => ((MetricsMonitor)state!).Tick(), this, _options.Interval, _options.Interval);
        }

        Log.MonitorStarted(_logger, string.Join(", ", _options.Meters), _rules.Length, _options.Interval);
    }

    /// <summary>
    /// The values of every series over <see cref="MonitoringOptions.SnapshotWindow"/>, the alerts that are pending or
    /// firing, and the recent transitions. Waits for a running tick to finish.
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public MonitoringSnapshot GetSnapshot()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_tickLock)
        {
            var intervals = (int)(_options.SnapshotWindow.Ticks / _options.Interval.Ticks);
            var series = new List<SeriesSnapshot>();
            var accumulator = new WindowAccumulator();
            foreach (var instrument in _collector.Instruments)
            {
                var kind = instrument.Kind.ToString().ToLowerInvariant();
                foreach (var s in instrument.AllSeries)
                {
                    accumulator.Reset();
                    s.AddTo(accumulator, intervals);
                    series.Add(new SeriesSnapshot
                    {
                        Meter = instrument.MeterName,
                        Instrument = instrument.Name,
                        Unit = instrument.Instrument.Unit,
                        Kind = kind,
                        Tags = s.Tags,
                        Count = accumulator.Count,
                        Rate = Value(AlertAggregation.Rate),
                        Sum = Value(AlertAggregation.Sum),
                        Average = Value(AlertAggregation.Average),
                        Min = Value(AlertAggregation.Min),
                        Max = Value(AlertAggregation.Max),
                        Last = Value(AlertAggregation.Last),
                        P50 = Value(AlertAggregation.P50),
                        P90 = Value(AlertAggregation.P90),
                        P95 = Value(AlertAggregation.P95),
                        P99 = Value(AlertAggregation.P99),
                        P999 = Value(AlertAggregation.P999),
                    });
                }
            }

            var alerts = new List<AlertSnapshot>();
            foreach (var rule in _rules)
            {
                foreach (var group in rule.Groups)
                {
                    var instance = group.Instance;
                    if (instance.State == AlertState.Inactive && !instance.Flapping && instance.NotifiedFiringSince is null)
                    {
                        continue;
                    }

                    alerts.Add(new AlertSnapshot
                    {
                        RuleName = rule.Options.Name,
                        State = instance.State,
                        Flapping = instance.Flapping,
                        Severity = rule.Options.Severity,
                        Labels = group.Labels,
                        Fingerprint = group.Fingerprint,
                        Since = instance.ActiveSince,
                        Value = double.IsNaN(group.Value) ? null : group.Value,
                        Description = rule.Describe(group),
                    });
                }
            }

            return new MonitoringSnapshot
            {
                Timestamp = _time.GetUtcNow(),
                Window = _options.SnapshotWindow,
                Series = series,
                ActiveAlerts = alerts,
                History = History(),
            };

            double? Value(AlertAggregation aggregation)
            {
                var v = accumulator.Compute(aggregation, _options.Interval);
                return double.IsFinite(v) ? v : null;
            }
        }
    }

    /// <summary>Stops the timer and the listener. Idempotent.</summary>
    public void Dispose()
    {
        ITimer? timer;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
        lock (_tickLock)
        {
            _collector.Dispose();
        }
    }

    /// <summary>Stops the timer and the listener. Idempotent.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One evaluation tick; the timer calls it. A tick that finds another running is skipped.</summary>
    internal void Tick()
    {
        if (_disposed || !_tickLock.TryEnter())
        {
            return;
        }

        try
        {
            if (_disposed)
            {
                return;
            }

            var started = _time.GetTimestamp();
            _collector.Tick();
            LogOverflows();
            var now = _time.GetUtcNow();
            foreach (var rule in _rules)
            {
                try
                {
                    rule.Evaluate(_collector, now, _budget, _publish, _flappingChanged);
                }
                catch (Exception ex)
                {
                    Log.RuleFailed(_logger, ex, rule.Options.Name);
                }
            }

            CountAlerts();
            UpdateHealth();
            _metrics.EvaluationDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex)
        {
            Log.TickFailed(_logger, ex);
        }
        finally
        {
            _tickLock.Exit();
        }
    }

    private static Func<IEnumerable<IAlertSink>> ToSource(IEnumerable<IAlertSink> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        IAlertSink[] copy = [.. sinks];
        return () => copy;
    }

    private void Publish(AlertNotification notification)
    {
        lock (_sync)
        {
            _history[_historyNext] = notification;
            _historyNext = (_historyNext + 1) % _history.Length;
            _historyCount = Math.Min(_historyCount + 1, _history.Length);
        }

        if (notification.Status == AlertStatus.Firing)
        {
            Log.AlertFiring(_logger, notification.RuleName, notification.Fingerprint, notification.Annotations.TryGetValue("description", out var d) ? d : "");
        }
        else
        {
            Log.AlertResolved(_logger, notification.RuleName, notification.Fingerprint);
        }

        _sinks ??= [.. _sinkSource()];
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Publish(notification);
            }
            catch (Exception ex)
            {
                _metrics.SinkFailures.Add(1);
                Log.SinkFailed(_logger, ex, sink.GetType().Name, notification.RuleName);
            }
        }
    }

    private AlertNotification[] History()
    {
        lock (_sync)
        {
            var result = new AlertNotification[_historyCount];
            var start = (_historyNext - _historyCount + _history.Length) % _history.Length;
            for (var i = 0; i < _historyCount; i++)
            {
                result[i] = _history[(start + i) % _history.Length];
            }

            return result;
        }
    }

    private void LogOverflows()
    {
        foreach (var instrument in _collector.Instruments)
        {
            if (instrument.OverflowMeasurements > 0 && _overflowLogged.Add(instrument))
            {
                Log.SeriesOverflow(_logger, instrument.MeterName, instrument.Name, _options.MaxSeriesPerInstrument);
            }
        }
    }

    private void CountAlerts()
    {
        long pending = 0, firing = 0, flapping = 0;
        foreach (var rule in _rules)
        {
            foreach (var group in rule.Groups)
            {
                pending += group.Instance.State == AlertState.Pending ? 1 : 0;
                firing += group.Instance.State == AlertState.Firing ? 1 : 0;
                flapping += group.Instance.Flapping ? 1 : 0;
            }
        }

        _alertCounts = (pending, firing, flapping);
    }

    /// <summary>The sum over series of the last value of an instrument (tick thread); NaN when it has none.</summary>
    private double ReadLast(string meter, string name)
    {
        _scratch.Reset();
        foreach (var instrument in _collector.Instruments)
        {
            if (instrument.Name == name && instrument.MeterName == meter)
            {
                foreach (var series in instrument.AllSeries)
                {
                    series.AddTo(_scratch, 1);
                }
            }
        }

        return _scratch.Compute(AlertAggregation.Last, _options.Interval);
    }
}
