using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>What the Redis tests share: a raw admin connection, unique prefixes, bounded polling of a real server.</summary>
internal static class RedisTestSupport
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string UniquePrefix() => "test:" + Guid.NewGuid().ToString("N")[..8] + ":";

    /// <summary>A raw connection for setting up and inspecting keys (HSET, PTTL, …), outside the code under test.</summary>
    public static async Task<ConnectionMultiplexer> RawAsync(RedisServer redis)
    {
        var configuration = ConfigurationOptions.Parse(redis.Endpoint);
        configuration.AllowAdmin = true;
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    /// <summary>A 127.0.0.1 port with nothing listening (connections are refused).</summary>
    public static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits on a real network event (a reconnect, a pub/sub delivery): bounded, so a broken implementation fails.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 15)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException && !Ct.IsCancellationRequested)
            {
                // not yet
            }

            await Task.Delay(50, Ct);
        }

        (await condition()).Should().BeTrue(what);
    }

    public static Task Eventually(Func<bool> condition, string what, int seconds = 15) =>
        Eventually(() => Task.FromResult(condition()), what, seconds);

    /// <summary>Runs <paramref name="call"/>, returns how long it took and what it threw (null if nothing).</summary>
    public static async Task<(TimeSpan Elapsed, Exception? Error)> TimeAsync(Func<Task> call)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await call();
            return (stopwatch.Elapsed, null);
        }
        catch (Exception ex)
        {
            return (stopwatch.Elapsed, ex);
        }
    }
}
