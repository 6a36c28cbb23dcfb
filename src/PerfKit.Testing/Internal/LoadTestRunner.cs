using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PerfKit.Testing.Load;
using PerfKit.Testing.Reports;
using PerfKit.Testing.Stress;

namespace PerfKit.Testing.Internal;

internal sealed class LoadTestRunner : ILoadTestRunner, IDisposable
{
    private static readonly ActivitySource Source = new(PerfKitTestingDiagnostics.ActivitySourceName);
    private readonly PerfKitTestingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _iterations;
    private readonly Counter<long> _failures;

    public LoadTestRunner(IOptions<PerfKitTestingOptions> options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<LoadTestRunner>() ?? NullLogger.Instance;
        _meter = meterFactory?.Create(PerfKitTestingDiagnostics.MeterName) ?? new Meter(PerfKitTestingDiagnostics.MeterName);
        _runs = _meter.CreateCounter<long>("perfkit.testing.runs", "{run}", "Load runs completed, by outcome (passed to its limit, invalid, aborted).");
        _iterations = _meter.CreateCounter<long>("perfkit.testing.iterations", "{iteration}", "Measured iterations of load runs.");
        _failures = _meter.CreateCounter<long>("perfkit.testing.iteration.failures", "{iteration}", "Failed iterations of load runs, by reason.");
    }

    public async Task<LoadResult> RunAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var activity = Source.StartActivity("perfkit.testing.run");
        activity?.SetTag("perfkit.run", name);
        Log.RunStarting(_logger, name, model.GetType().Name);
        var result = await LoadTest.RunAsync(name, scenario, model, LoadClock.From(_time), cancellationToken).ConfigureAwait(false);
        Record(result, activity);
        return result;
    }

    public async Task<StressResult> FindKneeAsync(string name, Func<ScenarioContext, ValueTask> scenario, StressOptions options, CancellationToken cancellationToken = default)
    {
        using var activity = Source.StartActivity("perfkit.testing.stress");
        activity?.SetTag("perfkit.run", name);
        var result = await StressTest.FindKneeAsync(name, scenario, options, LoadClock.From(_time), cancellationToken).ConfigureAwait(false);
        foreach (var step in result.Steps)
        {
            Record(step.Run, activity: null);
        }

        activity?.SetTag("perfkit.knee", result.Knee);
        Log.StressCompleted(_logger, name, result.Knee, result.Steps.Count, result.StoppedBecause);
        return result;
    }

    public async Task<IReadOnlyList<string>> WriteReportAsync(ReadinessReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var directory = Path.GetFullPath(_options.ReportDirectory);
        Directory.CreateDirectory(directory);
        var written = new List<string>(4);
        async Task WriteAsync(ReportFormats format, string file, Func<string> render)
        {
            if ((_options.Formats & format) != 0)
            {
                var path = Path.Combine(directory, file);
                await File.WriteAllTextAsync(path, render(), cancellationToken).ConfigureAwait(false);
                written.Add(path);
            }
        }

        await WriteAsync(ReportFormats.Markdown, "readiness.md", report.ToMarkdown).ConfigureAwait(false);
        await WriteAsync(ReportFormats.Json, "readiness.json", report.ToJson).ConfigureAwait(false);
        await WriteAsync(ReportFormats.JUnit, "readiness.junit.xml", report.ToJUnitXml).ConfigureAwait(false);
        await WriteAsync(ReportFormats.Html, "readiness.html", report.ToHtml).ConfigureAwait(false);
        Log.ReportWritten(_logger, report.Title, directory, report.Passed ? "READY" : "NOT READY", report.Score);
        return written;
    }

    public void Dispose() => _meter.Dispose();

    private void Record(LoadResult result, Activity? activity)
    {
        var outcome = result.WasAborted ? "aborted" : result.IsValid ? "completed" : "invalid";
        _runs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _iterations.Add(result.Iterations, new KeyValuePair<string, object?>("perfkit.run", result.Name));
        foreach (var (reason, count) in result.FailuresByReason)
        {
            _failures.Add(count, new KeyValuePair<string, object?>("perfkit.run", result.Name), new KeyValuePair<string, object?>("reason", reason));
        }

        activity?.SetTag("perfkit.iterations", result.Iterations);
        activity?.SetTag("perfkit.outcome", outcome);
        Log.RunCompleted(_logger, result.Name, result.Iterations, result.Throughput, result.ErrorRate, result.Latency.Percentile(50).TotalMilliseconds, result.Latency.Percentile(99).TotalMilliseconds, result.Latency.Max.TotalMilliseconds);
        if (result.InvalidReason is { } invalid)
        {
            Log.RunInvalid(_logger, result.Name, invalid);
        }

        if (result.AbortedBecause is { } aborted)
        {
            Log.RunAborted(_logger, result.Name, aborted);
        }
    }
}
