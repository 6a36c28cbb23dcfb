using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;
using PerfKit.TestUtilities;

[assembly: AssemblyFixture(typeof(PerfKit.Caching.IntegrationTests.RedisServer))]

namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// A real Redis-protocol server for the tests, on a free 127.0.0.1 port so that the tests can stop and restart it:
/// Debian's <c>redis-server</c> when it is on PATH; else the server named by <c>PERFKIT_REDIS</c> (not restartable);
/// else Garnet (the Microsoft.Garnet package) embedded in the test process. <c>PERFKIT_TEST_SERVER=garnet</c> forces
/// Garnet, <c>PERFKIT_TEST_SERVER=redis</c> forces redis-server (or a skip reason when it is not installed).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string ServerVariable = "PERFKIT_TEST_SERVER";

    private string? _binary;
    private string? _directory;
    private Process? _process;
    private GarnetServer? _garnet;
    private int _port;

    public string Endpoint { get; private set; } = "";

    public string? SkipReason { get; private set; }

    /// <summary>Which server the tests use: "redis-server", "garnet" (embedded) or "external" (PERFKIT_REDIS).</summary>
    public string Kind { get; private set; } = "none";

    /// <summary>One line for the test output: the server, its version and where it listens.</summary>
    public string Description { get; private set; } = "";

    public bool CanRestart => Kind is "redis-server" or "garnet";

    public bool IsGarnet => Kind == "garnet";

    public async ValueTask InitializeAsync()
    {
        var forced = Environment.GetEnvironmentVariable(ServerVariable)?.Trim().ToLowerInvariant();
        _binary = forced == "garnet" ? null : Executables.FindOnPath("redis-server");
        var external = Environment.GetEnvironmentVariable("PERFKIT_REDIS");
        if (forced == "redis" && _binary is null)
        {
            SkipReason = $"{ServerVariable}=redis but redis-server is not on PATH (apt-get install redis-server).";
            return;
        }

        if (_binary is not null)
        {
            Kind = "redis-server";
            _directory = Directory.CreateTempSubdirectory("perfkit-redis-").FullName;
        }
        else if (forced != "garnet" && !string.IsNullOrWhiteSpace(external))
        {
            Kind = "external";
            Endpoint = external;
            Description = $"external Redis at {external} (PERFKIT_REDIS)";
            return;
        }
        else
        {
            Kind = "garnet";
        }

        _port = FreePort();
        Endpoint = $"127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";
        await StartAsync();
        Description = $"{Kind} {await VersionAsync()} on {Endpoint}";
        Console.Error.WriteLine("PerfKit.Caching.IntegrationTests use " + Description);
    }

    public async Task StartAsync()
    {
        if (Kind == "garnet")
        {
            // In-process; Lua on (the store's tag-marker script). Small memory: the tests hold a few keys.
            _garnet = new GarnetServer(["--bind", "127.0.0.1", "--port", _port.ToString(CultureInfo.InvariantCulture), "--lua", "--memory", "128m", "--index", "16m", "--page", "32m"]);
            _garnet.Start();
        }
        else
        {
            _process = Process.Start(new ProcessStartInfo(_binary!, $"--port {_port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {_directory}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("redis-server did not start");
            _process.OutputDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
        }

        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"{Kind} did not answer PING on {Endpoint}");
    }

    public async Task StopAsync()
    {
        if (_garnet is { } garnet)
        {
            _garnet = null;
            garnet.Dispose();
        }

        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<string> VersionAsync()
    {
        var info = await SendAsync(["INFO", "server"], 4096);
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal) || l.StartsWith("garnet_version:", StringComparison.Ordinal));
        return line?.Trim() ?? "(version unknown)";
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            return (await SendAsync(["PING"], 16)).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string> SendAsync(string[] command, int bufferSize)
    {
        // A RESP array (Garnet does not take inline commands), with a deadline so a wrong answer cannot hang the fixture.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _port, deadline.Token);
        var stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${part.Length}\r\n{part}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), deadline.Token);
        var buffer = new byte[bufferSize];
        var read = await stream.ReadAsync(buffer, deadline.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
