using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace PerfKit.Caching.Tests;

internal static class CacheTestHelpers
{
    public static PerfKitCache NewCache(FakeTimeProvider time, IDistributedCache? l2 = null, Action<PerfKitCacheOptions>? configure = null)
    {
        var options = new PerfKitCacheOptions();
        configure?.Invoke(options);
        return new PerfKitCache(options, l2, timeProvider: time);
    }

    public static MemoryDistributedCache NewDistributed(TimeProvider time) =>
        new(Options.Create(new MemoryDistributedCacheOptions { Clock = new TimeProviderClock(time) }));

    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}

/// <summary>A real distributed cache with a switch that makes every call fail, as a Redis outage would.</summary>
internal sealed class FlakyDistributedCache(IDistributedCache inner) : IDistributedCache
{
    public bool Down { get; set; }

    public int Calls { get; private set; }

    public byte[]? Get(string key) => Fail() ?? inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Down ? Task.FromException<byte[]?>(Outage()) : Count(inner.GetAsync(key, token));

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => Down ? Task.FromException(Outage()) : Count(inner.RemoveAsync(key, token));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        Down ? Task.FromException(Outage()) : Count(inner.SetAsync(key, value, options, token));

    private static InvalidOperationException Outage() => new("L2 is down (test outage)");

    private byte[]? Fail() => Down ? throw Outage() : null;

    private T Count<T>(T task)
    {
        Calls++;
        return task;
    }
}
