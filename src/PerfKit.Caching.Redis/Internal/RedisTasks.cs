using System.Globalization;

namespace PerfKit.Caching.Redis.Internal;

/// <summary>
/// StackExchange.Redis has no per-command cancellation: a command ends when the server answers or at the
/// multiplexer's own <c>AsyncTimeout</c>. These helpers stop <i>waiting</i> when the caller's token fires and
/// observe the abandoned command, so its late fault never becomes an <c>UnobservedTaskException</c>.
/// </summary>
internal static class RedisTasks
{
    private static readonly Action<Task> ObserveFault = static t => _ = t.Exception;

    public static async ValueTask<T> WaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            return await task.ConfigureAwait(false);
        }

        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            Observe(task);
            throw;
        }
    }

    /// <summary>
    /// Waits for a command until the token fires; when the token cannot fire, until the connection's timeout, so that a
    /// call always ends even when the client is slow to time the command out (it checks once a second, and a command
    /// queued while disconnected can wait longer).
    /// </summary>
    public static ValueTask<T> WaitAsync<T>(Task<T> command, RedisConnection connection, CancellationToken cancellationToken) =>
        command.IsCompleted || cancellationToken.CanBeCanceled
            ? WaitAsync(command, cancellationToken)
            : WaitWithTimeoutAsync(command, connection);

    private static async ValueTask<T> WaitWithTimeoutAsync<T>(Task<T> command, RedisConnection connection)
    {
        var timeout = connection.OperationTimeout;
        try
        {
            return await command.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!command.IsCompleted)
        {
            Observe(command);
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Redis at {connection.Endpoints} did not answer within {timeout.TotalMilliseconds:0} ms (the connection's AsyncTimeout)."));
        }
    }

    public static async ValueTask WaitAsync(Task task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            await task.ConfigureAwait(false);
            return;
        }

        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            Observe(task);
            throw;
        }
    }

    /// <summary>Marks a task nobody will await as observed, whenever it faults.</summary>
    public static void Observe(Task task)
    {
        if (task.IsCompleted)
        {
            _ = task.Exception;
            return;
        }

        _ = task.ContinueWith(ObserveFault, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
