namespace PerfKit.Monitoring.Alerting;

/// <summary>Where an alert is in its lifecycle. A firing alert that stops breaching is resolved and becomes inactive again.</summary>
public enum AlertState
{
    /// <summary>Not breaching.</summary>
    Inactive = 0,

    /// <summary>Breaching, waiting for its for-duration and its breaches in a row.</summary>
    Pending = 1,

    /// <summary>Firing.</summary>
    Firing = 2,
}
