using System.Threading.Channels;

namespace PerfKit.Caching.NodeHost;

/// <summary>
/// Lines of stdin, read on a dedicated thread. <c>Console.In.ReadLineAsync</c> blocks its caller, and after the first
/// await that caller is a thread-pool thread: on a 2-core machine one blocked pool thread starves the cache's timers and
/// continuations (stalls of 0.4–1 s were measured that way), which would be charged to the cache.
/// </summary>
internal static class StandardInputLines
{
    public static ChannelReader<string> Start()
    {
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                lines.Writer.TryWrite(line);
            }

            lines.Writer.TryComplete();
        })
        {
            IsBackground = true,
            Name = "stdin",
        };
        reader.Start();
        return lines.Reader;
    }
}
