namespace PerfKit.Monitoring.Alerting;

/// <summary>
/// One pair of windows of a burn-rate rule: the alert condition holds when the error budget burns faster than
/// <see cref="Factor"/> over both the <see cref="Long"/> and the <see cref="Short"/> window (the short one makes the
/// alert resolve soon after the burn stops).
/// </summary>
public sealed class BurnRateWindow
{
    /// <summary>The long window, for example 1 hour.</summary>
    public TimeSpan Long { get; set; }

    /// <summary>The short window, for example 5 minutes; shorter than <see cref="Long"/>.</summary>
    public TimeSpan Short { get; set; }

    /// <summary>The burn-rate factor, for example 14.4 (2% of a 30-day budget in one hour).</summary>
    public double Factor { get; set; }
}
