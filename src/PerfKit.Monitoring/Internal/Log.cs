using Microsoft.Extensions.Logging;

namespace PerfKit.Monitoring.Internal;

// PerfKit.Monitoring's log messages, event ids 4000–4999: 4000–4499 collection, rules and health checks (this file),
// 4500–4999 notifications (Log.Notifications.cs).
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, EventName = "MonitorStarted", Level = LogLevel.Information,
        Message = "Monitoring started: meters {Meters}, {RuleCount} rules, interval {Interval}.")]
    public static partial void MonitorStarted(ILogger logger, string meters, int ruleCount, TimeSpan interval);

    [LoggerMessage(EventId = 4001, EventName = "AlertFiring", Level = LogLevel.Warning,
        Message = "Alert {RuleName} is firing ({Fingerprint}): {Description}")]
    public static partial void AlertFiring(ILogger logger, string ruleName, string fingerprint, string description);

    [LoggerMessage(EventId = 4002, EventName = "AlertResolved", Level = LogLevel.Information,
        Message = "Alert {RuleName} resolved ({Fingerprint}).")]
    public static partial void AlertResolved(ILogger logger, string ruleName, string fingerprint);

    [LoggerMessage(EventId = 4003, EventName = "SinkFailed", Level = LogLevel.Error,
        Message = "The alert sink {Sink} threw on a transition of {RuleName}; the other sinks still got it.")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string sink, string ruleName);

    [LoggerMessage(EventId = 4004, EventName = "RuleFailed", Level = LogLevel.Error,
        Message = "The rule {RuleName} failed to evaluate; the other rules ran.")]
    public static partial void RuleFailed(ILogger logger, Exception exception, string ruleName);

    [LoggerMessage(EventId = 4005, EventName = "TickFailed", Level = LogLevel.Error,
        Message = "A monitoring tick failed; the next one runs as planned.")]
    public static partial void TickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4006, EventName = "SeriesOverflow", Level = LogLevel.Warning,
        Message = "The instrument {Meter}/{Instrument} reached its cap of {Cap} series; further tag sets go to its overflow series (otel.metric.overflow=true). Select fewer tags with MonitoringOptions.SeriesTags.")]
    public static partial void SeriesOverflow(ILogger logger, string meter, string instrument, int cap);

    [LoggerMessage(EventId = 4007, EventName = "AlertFlapping", Level = LogLevel.Warning,
        Message = "Alert {RuleName} ({Fingerprint}) is flapping: more than {FlapThreshold} state changes in {FlapWindow}; its notifications are held back until it calms down.")]
    public static partial void AlertFlapping(ILogger logger, string ruleName, string fingerprint, int flapThreshold, TimeSpan flapWindow);

    [LoggerMessage(EventId = 4008, EventName = "AlertCalmed", Level = LogLevel.Information,
        Message = "Alert {RuleName} ({Fingerprint}) stopped flapping; its state ({State}) is published if it changed.")]
    public static partial void AlertCalmed(ILogger logger, string ruleName, string fingerprint, string state);
}
