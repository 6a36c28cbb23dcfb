using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace PerfKit.Monitoring;

/// <summary>
/// What PerfKit.Monitoring's types use besides their options when they are created without DI; every member is
/// optional. One object rather than a list of optional constructor parameters, so that a new dependency never changes
/// a constructor.
/// </summary>
public sealed class PerfKitMonitoringDependencies
{
    /// <summary>The clock of windows, rules, timers and timestamps; default <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where logs go; default none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>PerfKit.Monitoring</c> meter; default a meter shared by the objects created without one.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// The handler that webhook notifiers send through (for a proxy, client certificates or tests); default a
    /// <see cref="System.Net.Http.SocketsHttpHandler"/> owned by the notifier. Only webhook notifiers use it; a handler
    /// given here is not disposed by them.
    /// </summary>
    public System.Net.Http.HttpMessageHandler? HttpMessageHandler { get; init; }
}
