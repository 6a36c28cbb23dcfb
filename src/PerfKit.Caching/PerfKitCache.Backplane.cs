using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

public sealed partial class PerfKitCache
{
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly ICacheBackplane? _backplane;
    private readonly IDisposable? _backplaneSubscription;

    private async ValueTask PublishAsync(CacheInvalidationKind kind, string value, CancellationToken cancellationToken)
    {
        if (_backplane is null)
        {
            return;
        }

        try
        {
            await _backplane.PublishAsync(new CacheInvalidation(Name, _instanceId, kind, value, _clock.UtcNowMs), cancellationToken).ConfigureAwait(false);
            _metrics.Add(_metrics.BackplaneMessages, "direction", "sent");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A lost invalidation is bounded by BackplaneRevalidationInterval; it must not fail the write.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.Add(_metrics.DistributedErrors, "operation", "publish");
            Log.BackplanePublishFailed(_logger, ex, Name, kind, value);
        }
    }

    private void OnInvalidation(CacheInvalidation invalidation)
    {
        if (invalidation.CacheName != Name || invalidation.SourceId == _instanceId)
        {
            return;
        }

        _metrics.Add(_metrics.BackplaneMessages, "direction", "received");
        if (invalidation.Kind == CacheInvalidationKind.Key)
        {
            _l1.Remove(invalidation.Value);
            return;
        }

        // The local clock, not the sender's: an entry this node creates after receipt must stay valid despite skew.
        var now = _clock.UtcNowMs;
        _tagInvalidations.AddOrUpdate(invalidation.Value, now, (_, old) => Math.Max(old, now));
        _l1.RemoveWhere(e => e.Tags is { } tags && Array.IndexOf(tags, invalidation.Value) >= 0);
    }
}
