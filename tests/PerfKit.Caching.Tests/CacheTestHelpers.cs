using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using PerfKit.Caching.Distributed;
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
        return new PerfKitCache(options, new PerfKitCacheDependencies { DistributedCache = l2 is null ? null : new DistributedCacheAdapter(l2), TimeProvider = time });
    }

    public static PerfKitCache NewCache(FakeTimeProvider time, IDistributedCacheStore store, Action<PerfKitCacheOptions>? configure = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, ICacheBackplane? backplane = null)
    {
        var options = new PerfKitCacheOptions();
        configure?.Invoke(options);
        return new PerfKitCache(options, new PerfKitCacheDependencies { DistributedCache = store, TimeProvider = time, LoggerFactory = loggerFactory, MeterFactory = meterFactory, Backplane = backplane });
    }

    /// <summary>Waits for work the cache hands to the thread pool (a replay, a continuation); bounded, and no fixed sleeps.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should have been met");
            await Task.Yield();
        }
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

/// <summary>
/// An in-process L2 store with the semantics of a real one (server-side TTL on the fake clock, markers that keep the
/// later time) and switches for the failures a real one has: down, hanging, one bad key. Every call is recorded.
/// </summary>
internal sealed class TestStore(TimeProvider time) : IDistributedCacheStore
{
    private readonly ConcurrentDictionary<string, (byte[] Value, DateTimeOffset Expires)> _data = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long At, DateTimeOffset Expires)> _markers = new(StringComparer.Ordinal);
    private TaskCompletionSource _hang = NewSignal();

    /// <summary>Every call fails at once, as a refused connection does.</summary>
    public bool Down { get; set; }

    /// <summary>Every call waits until its token fires (or <see cref="ReleaseHang"/>), as a black-holed server does.</summary>
    public bool Hang { get; set; }

    /// <summary>When hanging, ignore the token, as a client without cancellation does (only the cache's own deadline ends the wait).</summary>
    public bool IgnoreToken { get; set; }

    /// <summary>Calls (such as <c>"remove k"</c>) that wait for <see cref="ReleaseHeld"/> before they take effect.</summary>
    public ConcurrentDictionary<string, bool> Held { get; } = new(StringComparer.Ordinal);

    /// <summary>Completes when a held call has arrived.</summary>
    public Task<string> HeldArrived => _heldArrived.Task;

    private TaskCompletionSource<string> _heldArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _held = NewSignal();

    public void ReleaseHeld() => Interlocked.Exchange(ref _held, NewSignal()).TrySetResult();

    /// <summary>Tags whose markers cannot be read (garbage under the marker's key): reading them throws <see cref="DistributedCacheKeyException"/>.</summary>
    public HashSet<string> BadMarkers { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys whose reads throw <see cref="DistributedCacheKeyException"/> (a wrong type, a payload too large).</summary>
    public HashSet<string> BadKeys { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<CancellationToken> Tokens { get; } = new();

    public ConcurrentDictionary<string, TimeSpan> LastTimeToLive { get; } = new(StringComparer.Ordinal);

    public int Count(string operation) => Calls.Count(c => c.StartsWith(operation + " ", StringComparison.Ordinal) || c == operation);

    /// <summary>Completes the next time a key is written or removed.</summary>
    public Task<string> NextWrite => _nextWrite.Task;

    private TaskCompletionSource<string> _nextWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseHang()
    {
        var hang = Interlocked.Exchange(ref _hang, NewSignal());
        hang.TrySetResult();
    }

    public byte[]? Peek(string key) => _data.TryGetValue(key, out var e) && e.Expires > time.GetUtcNow() ? e.Value : null;

    public void Put(string key, byte[] value, TimeSpan ttl) => _data[key] = (value, time.GetUtcNow() + ttl);

    public (long At, TimeSpan Ttl)? Marker(string tag) => _markers.TryGetValue(tag, out var m) && m.Expires > time.GetUtcNow() ? (m.At, m.Expires - time.GetUtcNow()) : null;

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await EnterAsync("get " + key, cancellationToken).ConfigureAwait(false);
        if (BadKeys.Contains(key))
        {
            throw new DistributedCacheKeyException($"WRONGTYPE {key}");
        }

        return Peek(key);
    }

    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        await EnterAsync("set " + key, cancellationToken).ConfigureAwait(false);
        timeToLive.Should().BePositive();
        LastTimeToLive[key] = timeToLive;
        BadKeys.Remove(key);
        _data[key] = (value.ToArray(), time.GetUtcNow() + timeToLive);
        Interlocked.Exchange(ref _nextWrite, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(key);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await EnterAsync("remove " + key, cancellationToken).ConfigureAwait(false);
        BadKeys.Remove(key);
        _data.TryRemove(key, out _);
        Interlocked.Exchange(ref _nextWrite, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(key);
    }

    public async ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        await EnterAsync("get-tags " + string.Join(',', tags), cancellationToken).ConfigureAwait(false);
        if (tags.FirstOrDefault(BadMarkers.Contains) is { } bad)
        {
            throw new DistributedCacheKeyException($"the marker of tag {bad} is not a number");
        }

        return tags.Select(t => Marker(t)?.At ?? 0).ToArray();
    }

    public async ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        await EnterAsync("set-tag " + tag, cancellationToken).ConfigureAwait(false);
        BadMarkers.Remove(tag);
        _markers.AddOrUpdate(tag, (invalidatedAtUtcMs, time.GetUtcNow() + timeToLive), (_, old) => (Math.Max(old.At, invalidatedAtUtcMs), time.GetUtcNow() + timeToLive));
        Interlocked.Exchange(ref _nextWrite, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(tag);
    }

    private async ValueTask EnterAsync(string call, CancellationToken cancellationToken)
    {
        Calls.Enqueue(call);
        Tokens.Enqueue(cancellationToken);
        if (Down)
        {
            throw new IOException("L2 is down (test outage)");
        }

        if (Held.ContainsKey(call))
        {
            var held = Volatile.Read(ref _held).Task;
            Interlocked.Exchange(ref _heldArrived, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(call);
            await held.ConfigureAwait(false); // ignores the token: the server got the command, it applies it later
        }

        if (Hang)
        {
            var hang = Volatile.Read(ref _hang).Task;
            await (IgnoreToken ? hang : hang.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
