namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// The two-process tests kill the shared redis-server: they run alone, after the tests that run in parallel, so no other
/// test sees the outage and no other test's restart cuts theirs short.
/// </summary>
[CollectionDefinition(nameof(TwoProcessCollection), DisableParallelization = true)]
public sealed class TwoProcessCollection;
