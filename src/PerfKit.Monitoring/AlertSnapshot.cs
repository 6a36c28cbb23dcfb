using PerfKit.Monitoring.Alerting;

namespace PerfKit.Monitoring;

/// <summary>An alert that is pending or firing (or flapping), as the last evaluation left it.</summary>
public sealed class AlertSnapshot
{
    /// <summary>The rule's name.</summary>
    public required string RuleName { get; init; }

    /// <summary>Pending or firing.</summary>
    public required AlertState State { get; init; }

    /// <summary>Whether the alert changes state too often; its notifications are held back meanwhile.</summary>
    public bool Flapping { get; init; }

    /// <summary>The rule's severity.</summary>
    public required AlertSeverity Severity { get; init; }

    /// <summary>The alert's labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>The alert's fingerprint (see <see cref="Notifications.AlertNotification.Fingerprint"/>).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>When the current pending or firing period started.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The rule's value at the last evaluation.</summary>
    public double? Value { get; init; }

    /// <summary>What the rule saw, in a sentence.</summary>
    public required string Description { get; init; }
}
