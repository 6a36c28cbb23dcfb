using Microsoft.Extensions.Logging;

namespace PerfKit.Testing.Internal;

/// <summary>PerfKit.Testing's log messages: event ids 5000–5999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, EventName = "RunStarting", Level = LogLevel.Information, Message = "Load run {Run} starting: {Model}")]
    public static partial void RunStarting(ILogger logger, string run, string model);

    [LoggerMessage(EventId = 5001, EventName = "RunCompleted", Level = LogLevel.Information,
        Message = "Load run {Run} completed: {Iterations} iterations, {Throughput:0.#}/s, errors {ErrorRate:P2}, p50 {P50Ms:0.###} ms, p99 {P99Ms:0.###} ms, max {MaxMs:0.###} ms")]
    public static partial void RunCompleted(ILogger logger, string run, long iterations, double throughput, double errorRate, double p50Ms, double p99Ms, double maxMs);

    [LoggerMessage(EventId = 5002, EventName = "RunInvalid", Level = LogLevel.Warning, Message = "Load run {Run} is invalid: {Reason}")]
    public static partial void RunInvalid(ILogger logger, string run, string reason);

    [LoggerMessage(EventId = 5003, EventName = "RunAborted", Level = LogLevel.Warning, Message = "Load run {Run} was aborted: {Reason}")]
    public static partial void RunAborted(ILogger logger, string run, string reason);

    [LoggerMessage(EventId = 5004, EventName = "StressCompleted", Level = LogLevel.Information, Message = "Stress search {Search} found the knee at {Knee:0.#}/s after {Steps} steps: {StoppedBecause}")]
    public static partial void StressCompleted(ILogger logger, string search, double knee, int steps, string stoppedBecause);

    [LoggerMessage(EventId = 5005, EventName = "ReportWritten", Level = LogLevel.Information, Message = "Readiness report {Title} written to {Directory}: {Verdict}, score {Score:0.#}/100")]
    public static partial void ReportWritten(ILogger logger, string title, string directory, string verdict, double score);
}
