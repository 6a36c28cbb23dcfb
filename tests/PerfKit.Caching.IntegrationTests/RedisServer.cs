using PerfKit.TestUtilities;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

[assembly: AssemblyFixture(typeof(PerfKit.Caching.IntegrationTests.RedisServer))]

namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// A real Redis for the tests: Debian's <c>redis-server</c> started on a free 127.0.0.1 port (so the tests can stop
/// and restart it), else the server named by <c>PERFKIT_REDIS</c>, else a skip reason.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private string? _binary;
    private string? _directory;
    private Process? _process;

    public string Endpoint { get; private set; } = "";

    public string? SkipReason { get; private set; }

    public bool CanRestart => _binary is not null;

    public async ValueTask InitializeAsync()
    {
        _binary = Executables.FindOnPath("redis-server");
        if (_binary is null)
        {
            var external = Environment.GetEnvironmentVariable("PERFKIT_REDIS");
            if (string.IsNullOrWhiteSpace(external))
            {
                SkipReason = "No Redis: redis-server is not on PATH (apt-get install redis-server) and PERFKIT_REDIS is not set.";
                return;
            }

            Endpoint = external;
            return;
        }

        _directory = Directory.CreateTempSubdirectory("perfkit-redis-").FullName;
        var port = FreePort();
        Endpoint = $"127.0.0.1:{port}";
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var port = Endpoint.Split(':')[1];
        _process = Process.Start(new ProcessStartInfo(_binary!, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {_directory}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on {Endpoint}");
    }

    public async Task StopAsync()
    {
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

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            var parts = Endpoint.Split(':');
            await client.ConnectAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
