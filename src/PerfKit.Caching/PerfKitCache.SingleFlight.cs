using System.Collections.Concurrent;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching;

// Cluster-wide single flight (CacheEntryOptions.ClusterSingleFlight): after an L1 and L2 miss, the node that takes the
// key's lease in L2 runs the factory; the others wait for its result in L2, woken early by the backplane, and run the
// factory themselves when the lease ends without a result or ClusterSingleFlightTimeout passes. Every store call is
// bounded by DistributedCacheTimeout; an L2 that does not answer means "run it here", never a longer wait.
public sealed partial class PerfKitCache
{
    /// <summary>How often a waiting node reads L2 (and retries the lease) when no backplane message wakes it sooner.</summary>
    internal static readonly TimeSpan ClusterPollInterval = TimeSpan.FromMilliseconds(100);

    // One entry per key this node waits on (at most one load per key per node): bounded by the keys in flight.
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _clusterWaiters = new(StringComparer.Ordinal);

    /// <returns>(true, null): this node holds the lease and runs the factory; (false, entry): another node's result; (false, null): run the factory here without a lease.</returns>
    private async ValueTask<(bool Leader, CacheEntry? Fresh)> AwaitClusterLoadAsync<T>(string key, CacheEntryOptions options)
    {
        var l2Key = _options.DistributedKeyPrefix + key;
        var timeout = options.ClusterSingleFlightTimeout;
        var started = _clock.TimeProvider.GetTimestamp();
        var waited = false;
        while (true)
        {
            var (outcome, acquired) = await CallStoreAsync("lease", (l2Key, _instanceId, timeout), static (store, a, ct) => store.TryAcquireLeaseAsync(a.l2Key, a._instanceId, a.timeout, ct), CancellationToken.None).ConfigureAwait(false);
            if (outcome != L2Outcome.Ok)
            {
                _metrics.Add(_metrics.Instruments.ClusterSingleFlight, "outcome", "unavailable");
                return (false, null);
            }

            if (acquired)
            {
                _metrics.Add(_metrics.Instruments.ClusterSingleFlight, "outcome", waited ? "leader_after_wait" : "leader");
                return (true, null);
            }

            waited = true;
            var remaining = timeout - _clock.TimeProvider.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                _metrics.Add(_metrics.Instruments.ClusterSingleFlight, "outcome", "timeout");
                Log.ClusterSingleFlightTimedOut(_logger, Name, key, timeout);
                return (false, null);
            }

            await WaitForClusterResultAsync(key, remaining < ClusterPollInterval ? remaining : ClusterPollInterval).ConfigureAwait(false);
            var (fresh, _, unavailable) = await ReadDistributedAsync<T>(key, options, CancellationToken.None).ConfigureAwait(false);
            if (fresh is not null)
            {
                _metrics.Add(_metrics.Instruments.ClusterSingleFlight, "outcome", "follower");
                return (false, fresh);
            }

            if (unavailable)
            {
                _metrics.Add(_metrics.Instruments.ClusterSingleFlight, "outcome", "unavailable");
                return (false, null);
            }
        }
    }

    private async Task WaitForClusterResultAsync(string key, TimeSpan delay)
    {
        var signal = _clusterWaiters.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await signal.Task.WaitAsync(delay, _clock.TimeProvider, _disposeCts.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // No message in time: read L2 anyway (the backplane may be absent or have lost the message).
        }
        finally
        {
            _clusterWaiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, signal));
        }
    }

    private async Task ReleaseClusterLeaseAsync(string key)
    {
        // Bounded by the L2 timeout and never throws; a lease that is not released ends at its own expiry.
        await CallStoreAsync("lease-release", (_options.DistributedKeyPrefix + key, _instanceId), static async (store, a, ct) =>
        {
            await store.ReleaseLeaseAsync(a.Item1, a._instanceId, ct).ConfigureAwait(false);
            return true;
        }, CancellationToken.None).ConfigureAwait(false);
    }
}
