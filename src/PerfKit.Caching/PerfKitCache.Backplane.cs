using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

public sealed partial class PerfKitCache
{
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly ICacheBackplane? _backplane;
    private readonly IDisposable? _backplaneSubscription;
    private RateGate? _publishFailures;

    /// <summary>
    /// Tells the other nodes, bounded by <see cref="PerfKitCacheOptions.DistributedCacheTimeout"/>. Never throws: a lost
    /// message is bounded by <see cref="PerfKitCacheOptions.BackplaneRevalidationInterval"/>. Counted as sent only when
    /// the backplane accepted it.
    /// </summary>
    private async ValueTask PublishAsync(CacheInvalidationKind kind, string value)
    {
        if (_backplane is null)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(_options.DistributedCacheTimeout, _clock.TimeProvider);
        Task? task = null;
        try
        {
            var pending = _backplane.PublishAsync(new CacheInvalidation(Name, _instanceId, kind, value, _clock.UtcNowMs), deadline.Token);
            if (!pending.IsCompletedSuccessfully)
            {
                task = pending.AsTask();
                await task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }

            _metrics.Add(_metrics.Instruments.BackplaneMessages, "direction", "sent");
        }
#pragma warning disable CA1031 // A lost invalidation is bounded by BackplaneRevalidationInterval; it must not fail the write.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (task is { IsCompleted: false })
            {
                _ = task.ContinueWith(ObserveFault, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            _metrics.Add(_metrics.Instruments.DistributedErrors, "operation", "publish", "kind", deadline.IsCancellationRequested ? "timeout" : "unavailable");
            _publishFailures ??= new RateGate(_clock.TimeProvider, DistributedLog.SummaryInterval);
            if (_publishFailures.TryEnter(out var suppressed))
            {
                Log.BackplanePublishFailed(_logger, ex, Name, kind, suppressed);
            }
        }
    }

    private void OnInvalidation(CacheInvalidation invalidation)
    {
        if (invalidation.CacheName != Name || invalidation.SourceId == _instanceId || _disposed)
        {
            return;
        }

        _metrics.Add(_metrics.Instruments.BackplaneMessages, "direction", "received");
        if (invalidation.Kind == CacheInvalidationKind.Key)
        {
            _l1.Remove(invalidation.Value);

            // A node waiting for another node's single-flight result reads L2 now instead of at its next poll.
            if (_clusterWaiters.TryRemove(invalidation.Value, out var waiter))
            {
                waiter.TrySetResult();
            }

            return;
        }

        // The local clock, not the sender's: an entry this node creates after receipt must stay valid despite skew.
        var now = _clock.UtcNowMs;
        _tags.Record(invalidation.Value, now, now);
        _l1.RemoveByTag(invalidation.Value);
    }
}
