using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Internal;

internal sealed class LoadTestRunner : ILoadTestRunner
{
    private static readonly ActivitySource Source = new(PerfKitTestingDiagnostics.ActivitySourceName);
    private readonly PerfKitTestingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TestingMetrics _metrics;

    public LoadTestRunner(IOptions<PerfKitTestingOptions> options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<LoadTestRunner>() ?? NullLogger.Instance;
        Clock = LoadClock.From(_time);
        _metrics = TestingMetrics.For(meterFactory);
    }

    /// <summary>The clock of the runs: the container's <see cref="TimeProvider"/>; tests put a virtual clock here.</summary>
    internal LoadClock Clock { get; set; }

    public async Task<LoadResult> RunAsync(string name, Func<ScenarioContext, ValueTask> scenario, LoadModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var activity = Source.StartActivity(PerfKitTestingDiagnostics.Activities.Run);
        activity?.SetTag(PerfKitTestingDiagnostics.Tags.Run, name);
        Log.RunStarting(_logger, name, model.GetType().Name);
        var result = await LoadTest.RunAsync(name, scenario, model, Clock, cancellationToken).ConfigureAwait(false);
        Record(result, result.Name, activity);
        return result;
    }

    public async Task<StressResult> FindKneeAsync(string name, Func<ScenarioContext, ValueTask> scenario, StressOptions options, CancellationToken cancellationToken = default)
    {
        using var activity = Source.StartActivity(PerfKitTestingDiagnostics.Activities.Stress);
        activity?.SetTag(PerfKitTestingDiagnostics.Tags.Run, name);
        var result = await StressTest.FindKneeAsync(name, scenario, options, Clock, cancellationToken).ConfigureAwait(false);
        foreach (var step in result.Steps)
        {
            // Tagged with the search's name: a step's own name carries its rate, one tag value per step.
            Record(step.Run, name, activity: null);
        }

        activity?.SetTag(PerfKitTestingDiagnostics.Tags.Knee, result.Knee);
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

    private void Record(LoadResult result, string runTag, Activity? activity)
    {
        var outcome = result.WasAborted ? "aborted" : result.IsValid ? "completed" : "invalid";
        _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PerfKitTestingDiagnostics.Tags.Run, runTag), new KeyValuePair<string, object?>(PerfKitTestingDiagnostics.Tags.Outcome, outcome));
        _metrics.Iterations.Add(result.Iterations, new KeyValuePair<string, object?>(PerfKitTestingDiagnostics.Tags.Run, runTag));
        // By kind, never by reason: a reason given to ScenarioContext.Fail is free text, and a tag value per message
        // would grow the metric without bound.
        foreach (var (reason, count) in result.FailuresByKind)
        {
            _metrics.Failures.Add(count, new KeyValuePair<string, object?>(PerfKitTestingDiagnostics.Tags.Run, runTag), new KeyValuePair<string, object?>(PerfKitTestingDiagnostics.Tags.Reason, reason));
        }

        activity?.SetTag(PerfKitTestingDiagnostics.Tags.Iterations, result.Iterations);
        activity?.SetTag(PerfKitTestingDiagnostics.Tags.Outcome, outcome);
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
