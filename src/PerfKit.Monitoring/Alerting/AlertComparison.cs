namespace PerfKit.Monitoring.Alerting;

/// <summary>How a rule compares its value with its threshold: the alert condition is <c>value comparison threshold</c>.</summary>
public enum AlertComparison
{
    /// <summary>Breach when the value is above the threshold.</summary>
    GreaterThan = 0,

    /// <summary>Breach when the value is at or above the threshold.</summary>
    GreaterThanOrEqual = 1,

    /// <summary>Breach when the value is below the threshold.</summary>
    LessThan = 2,

    /// <summary>Breach when the value is at or below the threshold.</summary>
    LessThanOrEqual = 3,
}
