using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using PerfKit.TestUtilities;

namespace PerfKit.Caching.IntegrationTests;

/// <summary>
/// A PerfKit.Caching.NodeHost child process: one cache node in its own OS process, driven over stdin/stdout with a
/// bounded wait on every reply. Disposing kills it (with its process tree) if it is still running.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private const int StandardErrorLinesKept = 200;

    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<string> _standardError = new();

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>Starts the node and waits for its "ready" line.</summary>
    /// <param name="name">The node's name (also the <c>--node</c> argument).</param>
    /// <param name="arguments">The node's other arguments.</param>
    /// <param name="readyTimeout">How long start-up may take (a cold .NET process on a loaded machine takes seconds).</param>
    public static async Task<NodeProcess> StartAsync(string name, IEnumerable<string> arguments, TimeSpan readyTimeout)
    {
        var start = new ProcessStartInfo(Dotnet())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(NodeHostPath());
        start.ArgumentList.Add("--node");
        start.ArgumentList.Add(name);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                node._replies.Writer.TryComplete();
            }
            else
            {
                node._replies.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                node._standardError.Enqueue(e.Data);
                while (node._standardError.Count > StandardErrorLinesKept && node._standardError.TryDequeue(out string? _))
                {
                }
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Node {name} did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await node.ReadReplyAsync("(start)", readyTimeout);
            if (ready["ready"]?.GetValue<bool>() != true)
            {
                throw new InvalidOperationException($"Node {name} began with '{ready.ToJsonString()}' instead of its ready line.");
            }
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    /// <summary>Sends one command and returns its reply; throws if none comes within <paramref name="timeout"/> or the reply is not ok.</summary>
    public async Task<JsonObject> SendAsync(string command, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        var reply = await ReadReplyAsync(command, timeout);
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"Node {Name} answered '{command}' with {reply.ToJsonString()}.");
        }

        return reply;
    }

    /// <summary>The last lines the node wrote to stderr (its logs), for a failure message.</summary>
    public string StandardErrorTail(int lines = 30) => string.Join(Environment.NewLine, _standardError.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            // Bounded: a killed process exits at once; if it somehow does not, the test must not hang on it.
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(exit.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to kill.
        }
        catch (OperationCanceledException)
        {
            // Still running 10 s after the kill: leave it to the OS; the test's result stands.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task<JsonObject> ReadReplyAsync(string command, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        string line;
        try
        {
            line = await _replies.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Node {Name} did not answer '{command}' within {timeout}. Its stderr:{Environment.NewLine}{StandardErrorTail()}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"Node {Name} closed its stdout before answering '{command}' (exited: {_process.HasExited}). Its stderr:{Environment.NewLine}{StandardErrorTail()}");
        }

        return JsonNode.Parse(line)?.AsObject() ?? throw new InvalidOperationException($"Node {Name} answered '{command}' with '{line}'.");
    }

    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Executables.FindOnPath("dotnet") ?? throw new InvalidOperationException("No dotnet host: DOTNET_HOST_PATH is not set and dotnet is not on PATH.");

    /// <summary>
    /// The node's dll, built beside this assembly: outputs go to artifacts/bin/&lt;project&gt;/&lt;configuration&gt;, and the
    /// test project references the node project (without its assembly) so that building the tests builds the node.
    /// </summary>
    private static string NodeHostPath()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var path = Path.GetFullPath(Path.Combine(here, "..", "..", "PerfKit.Caching.NodeHost", Path.GetFileName(here), "PerfKit.Caching.NodeHost.dll"));
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The node host is not built at {path}: build tests/PerfKit.Caching.IntegrationTests (it builds tests/PerfKit.Caching.NodeHost).", path);
    }
}
