using PerfKit.Testing.Reports;

namespace PerfKit.Testing;

/// <summary>
/// Load tests for hosts (a CLI, a showcase, a readiness job): the same runs as <see cref="LoadTest"/> and
/// <see cref="StressTest"/> on the host's <see cref="TimeProvider"/>, logged and metered, and reports written where
/// <see cref="PerfKitTestingOptions"/> says. Registered by <c>services.AddPerfKitTesting(...)</c>.
/// </summary>
public interface ILoadTestRunner
{
    /// <summary>Runs a load test (see <see cref="LoadTest.RunAsync"/>).</summary>
    /// <param name="name">The run's name.</param>
    /// <param name="scenario">One iteration.</param>
    /// <param name="model">The load model.</param>
    /// <param name="cancellationToken">Stops the run early.</param>
    /// <returns>The result.</returns>
    Task<LoadResult> RunAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, CancellationToken cancellationToken = default);

    /// <summary>Runs a stress search (see <see cref="StressTest.FindKneeAsync"/>).</summary>
    /// <param name="name">The search's name.</param>
    /// <param name="scenario">One iteration.</param>
    /// <param name="options">The SLO and the stepping.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>The knee and the steps.</returns>
    Task<StressResult> FindKneeAsync(string name, Func<ScenarioContext, ValueTask> scenario, StressOptions options, CancellationToken cancellationToken = default);

    /// <summary>Writes the report in the configured formats to the configured folder.</summary>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The full paths of the files written.</returns>
    Task<IReadOnlyList<string>> WriteReportAsync(ReadinessReport report, CancellationToken cancellationToken = default);
}
