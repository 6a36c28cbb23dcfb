using System.Runtime.ExceptionServices;

namespace PerfKit.Caching.Internal;

/// <summary>
/// One load of one key, shared by every caller that asks for the key while it runs. Lock-free; the task that
/// waiters await is only created when somebody has to wait, so a load that completes synchronously (an L2 or
/// factory answer at hand) allocates nothing beyond this object.
/// </summary>
internal sealed class InFlight
{
    private TaskCompletionSource<CacheEntry>? _waiters;
    private CacheEntry? _result;
    private ExceptionDispatchInfo? _error;
    private int _done;

    public bool TryGetOutcome(out CacheEntry? result, out ExceptionDispatchInfo? error)
    {
        var done = Volatile.Read(ref _done) != 0;
        result = _result;
        error = _error;
        return done;
    }

    public Task<CacheEntry> WaitAsync()
    {
        if (Volatile.Read(ref _done) != 0)
        {
            return Finished();
        }

        // Continuations run asynchronously: no caller's code runs inside the factory's frame.
        var created = new TaskCompletionSource<CacheEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiters = Interlocked.CompareExchange(ref _waiters, created, null) ?? created;

        // The load may have finished between the first check and the exchange, without seeing our waiters: settle them here.
        if (Volatile.Read(ref _done) != 0)
        {
            Settle(waiters);
        }

        return waiters.Task;
    }

    public void Complete(CacheEntry entry)
    {
        _result = entry;
        Finish();
    }

    public void Fail(Exception exception)
    {
        _error = ExceptionDispatchInfo.Capture(exception);
        Finish();
    }

    private void Finish()
    {
        // The exchange is a full fence: the read of _waiters below cannot move before the write of _done.
        if (Interlocked.Exchange(ref _done, 1) == 0 && Volatile.Read(ref _waiters) is { } waiters)
        {
            Settle(waiters);
        }
    }

    private void Settle(TaskCompletionSource<CacheEntry> waiters)
    {
        if (_error is { } error)
        {
            waiters.TrySetException(error.SourceException);
        }
        else
        {
            waiters.TrySetResult(_result!);
        }
    }

    private Task<CacheEntry> Finished() => _error is null ? Task.FromResult(_result!) : Task.FromException<CacheEntry>(_error.SourceException);
}
