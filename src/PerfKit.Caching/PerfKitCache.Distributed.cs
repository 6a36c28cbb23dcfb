using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;
using PerfKit.Caching.Internal;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching;

public sealed partial class PerfKitCache
{
    private const string TagMarkerPrefix = "__perfkit_tag:";

    private readonly IDistributedCache? _distributed;
    private readonly ICacheSerializer _serializer;
    private long _distributedBrokenUntil = long.MinValue;

    private bool DistributedAvailable => _distributed is not null && _clock.NowMs >= Volatile.Read(ref _distributedBrokenUntil);

    private async ValueTask<(CacheEntry? Fresh, CacheEntry? Stale, bool Unavailable)> ReadDistributedAsync<T>(string key)
    {
        if (!DistributedAvailable)
        {
            return (null, null, true);
        }

        var (ok, bytes) = await CallDistributedAsync("get", key, (cache, k, ct) => cache.GetAsync(k, ct)).ConfigureAwait(false);
        if (!ok)
        {
            return (null, null, true);
        }

        if (bytes is null)
        {
            _metrics.Request("l2", "miss");
            return default;
        }

        Envelope.Header header;
        T value;
        try
        {
            if (!Envelope.TryRead(_serializer, bytes, out header, out value))
            {
                Log.DistributedPayloadUnreadable(_logger, null, Name, key);
                _metrics.Request("l2", "unreadable");
                return default;
            }
        }
#pragma warning disable CA1031 // Any deserialization failure is a miss; the factory's result overwrites it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.DistributedPayloadUnreadable(_logger, ex, Name, key);
            _metrics.Request("l2", "unreadable");
            return default;
        }

        if (header.Tags is { } tags && !await DistributedTagsValidAsync(tags, header.CreatedUtcMs).ConfigureAwait(false))
        {
            _metrics.Request("l2", "miss");
            return default;
        }

        // Translate the UTC times of the payload to this process's clock.
        var utcNow = _clock.UtcNowMs;
        var now = _clock.NowMs;
        var entry = new CacheEntry(key, value, now + (header.ExpiresUtcMs - utcNow), now + (header.StaleUntilUtcMs - utcNow), long.MaxValue, header.CreatedUtcMs, header.Tags, 1)
        {
            RevalidateAt = RevalidateAt(now),
        };
        if (utcNow < header.ExpiresUtcMs)
        {
            _metrics.Request("l2", "hit");
            return (entry, null, false);
        }

        _metrics.Request("l2", "stale");
        return utcNow < header.StaleUntilUtcMs ? (null, entry, false) : default;
    }

    private async ValueTask<bool> DistributedTagsValidAsync(string[] tags, long createdUtcMs)
    {
        foreach (var tag in tags)
        {
            if (_tagInvalidations.TryGetValue(tag, out var local) && createdUtcMs <= local)
            {
                return false;
            }

            var (_, marker) = await CallDistributedAsync("get-tag", TagMarkerPrefix + tag, (cache, k, ct) => cache.GetAsync(k, ct)).ConfigureAwait(false);
            if (marker is { Length: 8 })
            {
                var invalidatedAt = BinaryPrimitives.ReadInt64LittleEndian(marker);
                _tagInvalidations.AddOrUpdate(tag, invalidatedAt, (_, old) => Math.Max(old, invalidatedAt));
                if (createdUtcMs <= invalidatedAt)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private async ValueTask WriteDistributedAsync<T>(CacheEntry entry, T value, CancellationToken cancellationToken)
    {
        if (!DistributedAvailable)
        {
            return;
        }

        var utcNow = _clock.UtcNowMs;
        var now = _clock.NowMs;
        var expiresUtc = utcNow + (entry.ExpiresAt - now);
        var staleUntilUtc = utcNow + (entry.StaleUntil - now);
        byte[] payload;
        try
        {
            payload = Envelope.Write(_serializer, value, entry.CreatedUtcMs, expiresUtc, staleUntilUtc, entry.Tags);
        }
#pragma warning disable CA1031 // A value that cannot be serialized stays in L1 only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.DistributedPayloadUnreadable(_logger, ex, Name, entry.Key);
            return;
        }

        // Relative, so that the L2's own clock decides (nodes' clocks and the server's need not agree).
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(Math.Max(1, entry.StaleUntil - now)) };
        await CallDistributedAsync("set", entry.Key, async (cache, k, ct) =>
        {
            await cache.SetAsync(k, payload, options, ct).ConfigureAwait(false);
            return Array.Empty<byte>();
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RemoveDistributedAsync(string key, CancellationToken cancellationToken)
    {
        if (DistributedAvailable)
        {
            await CallDistributedAsync("remove", key, async (cache, k, ct) =>
            {
                await cache.RemoveAsync(k, ct).ConfigureAwait(false);
                return Array.Empty<byte>();
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteTagMarkerAsync(string tag, long invalidatedAtUtcMs, CancellationToken cancellationToken)
    {
        if (!DistributedAvailable)
        {
            return;
        }

        var marker = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(marker, invalidatedAtUtcMs);
        await CallDistributedAsync("set-tag", TagMarkerPrefix + tag, async (cache, k, ct) =>
        {
            await cache.SetAsync(k, marker, new DistributedCacheEntryOptions(), ct).ConfigureAwait(false);
            return Array.Empty<byte>();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One L2 call: prefixed key, bounded by the timeout, and never throwing: a failure is logged, metered, and opens the breaker.</summary>
    private async ValueTask<(bool Ok, byte[]? Value)> CallDistributedAsync(string operation, string key, Func<IDistributedCache, string, CancellationToken, Task<byte[]?>> call, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
            var task = call(_distributed!, _options.DistributedKeyPrefix + key, timeout.Token);
            var result = await task.WaitAsync(_options.DistributedCacheTimeout, _clock.TimeProvider, cancellationToken).ConfigureAwait(false);
            return (true, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // L2 errors never reach callers: the cache keeps serving from L1 and factories.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Volatile.Write(ref _distributedBrokenUntil, _clock.NowMs + (long)_options.DistributedCacheBreakDuration.TotalMilliseconds);
            _metrics.Add(_metrics.DistributedErrors, "operation", operation);
            Log.DistributedCacheFailed(_logger, ex, Name, operation, key, _options.DistributedCacheBreakDuration);
            return (false, null);
        }
    }
}
