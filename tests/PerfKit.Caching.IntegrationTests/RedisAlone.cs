namespace PerfKit.Caching.IntegrationTests;

/// <summary>Tests that need the shared server to themselves (they stop it, or count its commands): they run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisAlone
{
    public const string Name = "Redis alone";
}
