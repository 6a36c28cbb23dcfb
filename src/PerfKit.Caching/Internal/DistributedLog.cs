using Microsoft.Extensions.Logging;

namespace PerfKit.Caching.Internal;

/// <summary>
/// The L2 logs of one cache, rate-limited: state changes (L2 away, L2 back) are logged when they happen; the failures
/// in between are counted and summarised at most once a minute; per-key problems at most once a minute each kind, with
/// the number left out. Everything is metered regardless, so the logs stay readable during an outage of any length.
/// </summary>
internal sealed class DistributedLog(ILogger logger, string cache, TimeProvider time, TimeSpan breakDuration)
{
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(1);

    private readonly RateGate _summary = new(time, SummaryInterval);
    private readonly RateGate _keyErrors = new(time, SummaryInterval);
    private readonly RateGate _unreadable = new(time, SummaryInterval);
    private readonly RateGate _unwritable = new(time, SummaryInterval);
    private long _failuresWhileAway;
    private long _awaySince;
    private int _dropLogged;

    public void Unavailable(Exception error, string operation, bool timedOut, bool opened)
    {
        if (opened)
        {
            Volatile.Write(ref _awaySince, time.GetTimestamp());
            Interlocked.Exchange(ref _failuresWhileAway, 0);
            _summary.Reset();
            Log.DistributedUnavailable(logger, error, cache, operation, timedOut ? "timed out" : "failed", breakDuration);
            return;
        }

        var failures = Interlocked.Increment(ref _failuresWhileAway);
        if (_summary.TryEnter(out _))
        {
            Log.DistributedStillUnavailable(logger, cache, failures, time.GetElapsedTime(Volatile.Read(ref _awaySince)), error.GetType().Name, error.Message);
        }
    }

    public void Recovered(int pending)
    {
        Log.DistributedRecovered(logger, cache, time.GetElapsedTime(Volatile.Read(ref _awaySince)), Interlocked.Exchange(ref _failuresWhileAway, 0), pending);
        Volatile.Write(ref _dropLogged, 0);
    }

    public void KeyError(Exception error, string operation)
    {
        if (_keyErrors.TryEnter(out var suppressed))
        {
            Log.DistributedKeyError(logger, error, cache, operation, suppressed);
        }
    }

    public void PayloadUnreadable(Exception? error, string key)
    {
        if (_unreadable.TryEnter(out var suppressed))
        {
            Log.DistributedPayloadUnreadable(logger, error, cache, key, suppressed);
        }
    }

    public void PayloadUnwritable(Exception error, string key)
    {
        if (_unwritable.TryEnter(out var suppressed))
        {
            Log.DistributedPayloadUnwritable(logger, error, cache, key, suppressed);
        }
    }

    /// <summary>Logs the first drop of a burst (until L2 is back or the outbox has drained); the rest are metered.</summary>
    public void Dropped(DistributedOperation operation, string reason)
    {
        if (Interlocked.Exchange(ref _dropLogged, 1) == 0)
        {
            Log.DistributedOperationDropped(logger, cache, operation.OperationName, reason);
        }
    }

    public void Replayed(int replayed, int left)
    {
        Log.DistributedOutboxReplayed(logger, cache, replayed, left);
        if (left == 0)
        {
            Volatile.Write(ref _dropLogged, 0);
        }
    }

    public void DroppedOnDispose(int count) => Log.DistributedOutboxDroppedOnDispose(logger, cache, count);
}

/// <summary>Lets one event through per interval and counts the others.</summary>
internal sealed class RateGate(TimeProvider time, TimeSpan interval)
{
    private long _last = long.MinValue;
    private long _suppressed;

    public bool TryEnter(out long suppressed)
    {
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _last);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= interval) && Interlocked.CompareExchange(ref _last, now, last) == last)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }

    public void Reset() => Volatile.Write(ref _last, time.GetTimestamp());
}
