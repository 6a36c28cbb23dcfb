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
