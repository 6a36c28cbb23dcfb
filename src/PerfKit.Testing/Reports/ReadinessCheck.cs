namespace PerfKit.Testing.Reports;

/// <summary>One named check of a <see cref="ReadinessReport"/>.</summary>
/// <param name="Name">What was checked, for example <c>p95 of GET /orders below 200 ms</c>.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The evidence: the measured figure against its limit, or why the check failed.</param>
public readonly record struct ReadinessCheck(string Name, bool Passed, string Detail);
