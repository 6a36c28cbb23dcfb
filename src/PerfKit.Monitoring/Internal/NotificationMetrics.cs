using System.Diagnostics.Metrics;
using PerfKit.Shared;
using Instruments = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Instruments;

namespace PerfKit.Monitoring.Internal;

/// <summary>The notification instruments of the PerfKit.Monitoring meter; one instance per <see cref="Meter"/>.</summary>
internal sealed class NotificationMetrics
{
    private NotificationMetrics(Meter meter)
    {
        Sent = meter.CreateCounter<long>(Instruments.NotificationsSent, "{notification}", "Notifications delivered, by notifier.");
        Failed = meter.CreateCounter<long>(Instruments.NotificationsFailed, "{notification}", "Notifications given up on, by notifier and reason.");
        Retried = meter.CreateCounter<long>(Instruments.NotificationsRetried, "{retry}", "Retries after a failed attempt, by notifier.");
        Dropped = meter.CreateCounter<long>(Instruments.NotificationsDropped, "{notification}", "Waiting groups dropped from a full outbox, by notifier.");
        QueueDepth = meter.CreateUpDownCounter<long>(Instruments.NotificationQueueDepth, "{notification}", "Groups waiting in a notifier's outbox.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Retried { get; }

    public Counter<long> Dropped { get; }

    public UpDownCounter<long> QueueDepth { get; }

    public static NotificationMetrics For(IMeterFactory? meterFactory) =>
        MeterCache<NotificationMetrics>.For(meterFactory, PerfKitMonitoringDiagnostics.MeterName, static m => new NotificationMetrics(m));
}
