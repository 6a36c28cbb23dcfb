using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.Redis.Internal;

/// <summary>
/// Opens the Redis connection and sends one PING while the host starts, so that the first cache call does not pay for
/// the connect (380-580 ms on a local server, measured): with a short DistributedCacheTimeout that first call timed out
/// and opened the breaker against a healthy server. Bounded by <see cref="Bound"/>; a server that is down delays the
/// start by that much at most, is logged, and the cache runs on L1 and its outbox until Redis answers.
/// </summary>
internal sealed class RedisConnectionWarmup(RedisConnection connection, ILoggerFactory? loggerFactory, TimeProvider? timeProvider) : IHostedService
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger("PerfKit.Caching.Redis.RedisConnection") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var bound = new CancellationTokenSource(Bound, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        try
        {
            var multiplexer = await connection.GetAsync(linked.Token).ConfigureAwait(false);
            await multiplexer.GetDatabase().PingAsync().WaitAsync(linked.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A warm-up that fails must not fail the host: the cache degrades to L1 and the outbox.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            Log.RedisWarmupFailed(_logger, ex, connection.Endpoints, Bound);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
