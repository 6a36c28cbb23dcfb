using System.Text.Json;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring;

/// <summary>
/// What the monitor knows now: every series' values, the active alerts and the recent alert transitions (a ring of
/// <see cref="MonitoringOptions.AlertHistoryCapacity"/>). Serialise it with <see cref="ToJson"/> to serve it.
/// </summary>
public sealed class MonitoringSnapshot
{
    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The window of the series' values.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Every series.</summary>
    public required IReadOnlyList<SeriesSnapshot> Series { get; init; }

    /// <summary>Alerts that are pending or firing.</summary>
    public required IReadOnlyList<AlertSnapshot> ActiveAlerts { get; init; }

    /// <summary>The latest published transitions, oldest first.</summary>
    public required IReadOnlyList<AlertNotification> History { get; init; }

    /// <summary>The snapshot as JSON (camelCase, enums as strings), through a source-generated serializer (trimming- and AOT-safe).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, MonitoringJsonContext.Default.MonitoringSnapshot);
}
