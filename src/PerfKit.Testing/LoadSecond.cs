namespace PerfKit.Testing;

/// <summary>One second of a run's timeline.</summary>
/// <param name="Second">Seconds since measuring began.</param>
/// <param name="Iterations">Iterations that started in that second.</param>
/// <param name="Failures">How many of them failed.</param>
/// <param name="Mean">Their mean latency.</param>
/// <param name="Max">Their highest latency.</param>
public readonly record struct LoadSecond(int Second, long Iterations, long Failures, TimeSpan Mean, TimeSpan Max);
