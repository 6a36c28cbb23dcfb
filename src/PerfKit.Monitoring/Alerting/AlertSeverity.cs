namespace PerfKit.Monitoring.Alerting;

/// <summary>How urgent an alert is; sent as the <c>severity</c> label.</summary>
public enum AlertSeverity
{
    /// <summary>For information; no action expected.</summary>
    Info = 0,

    /// <summary>Needs attention soon.</summary>
    Warning = 1,

    /// <summary>Needs action now; fails the critical-alerts health check while firing.</summary>
    Critical = 2,
}
