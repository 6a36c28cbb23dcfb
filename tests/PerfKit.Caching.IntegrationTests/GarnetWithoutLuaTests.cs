using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;
using PerfKit.Caching.Redis;
using StackExchange.Redis;
using static PerfKit.Caching.IntegrationTests.RedisTestSupport;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>A Garnet of its own, started without Lua (its default), whatever server the fixture uses.</summary>
public sealed class GarnetWithoutLuaTests : IAsyncLifetime
{
    private readonly int _port = FreePort();
    private GarnetServer? _garnet;

    public ValueTask InitializeAsync()
    {
        _garnet = new GarnetServer(["--bind", "127.0.0.1", "--port", _port.ToString(CultureInfo.InvariantCulture), "--memory", "64m", "--index", "8m", "--page", "16m"]);
        _garnet.Start();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _garnet?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SetTagInvalidation_WithoutScripting_FallsBackToSetPx()
    {
        var endpoint = "127.0.0.1:" + _port.ToString(CultureInfo.InvariantCulture);
        await using var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = endpoint });
        var store = new RedisDistributedCacheStore(connection, new PerfKitRedisOptions { KeyPrefix = "nolua:" });

        await store.SetTagInvalidationAsync("t", 4_000, TimeSpan.FromMilliseconds(60_000), Ct);
        await store.SetTagInvalidationAsync("t", 5_000, TimeSpan.FromMilliseconds(60_000), Ct);

        store.ScriptsUnavailable.Should().BeTrue("Garnet refuses EVAL without --lua");
        (await store.GetTagInvalidationsAsync(["t"], Ct)).Should().Equal(5_000);
        await using var raw = await ConnectionMultiplexer.ConnectAsync(endpoint);
        ((long)await raw.GetDatabase().ExecuteAsync("PTTL", "nolua:__tag:t")).Should().BeInRange(1, 60_000);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
