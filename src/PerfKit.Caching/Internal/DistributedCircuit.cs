namespace PerfKit.Caching.Internal;

/// <summary>
/// The L2 circuit breaker. It guards <b>reads only</b>: writes are always attempted (and queued when they fail).
/// Closed: every read goes to L2. Open: reads skip L2 until the break ends. Half-open (the break has ended, no
/// success seen yet): one read at a time probes L2; the others keep skipping, so a dead L2 costs one timeout per
/// break, not one per caller. Any successful L2 call, read or write, closes it; a connection-level failure opens it.
/// Lock-free; times are <see cref="CacheClock.NowMs"/>.
/// </summary>
internal sealed class DistributedCircuit(long breakMs)
{
    private const long Closed = long.MinValue;

    private long _openUntil = Closed;
    private int _probing;

    public bool IsClosed => Volatile.Read(ref _openUntil) == Closed;

    /// <summary>Whether a read may go to L2 now; <paramref name="probe"/> says whether this read is the half-open probe.</summary>
    public bool TryEnterRead(long now, out bool probe)
    {
        probe = false;
        var until = Volatile.Read(ref _openUntil);
        if (until == Closed)
        {
            return true;
        }

        if (now < until)
        {
            return false;
        }

        probe = Interlocked.CompareExchange(ref _probing, 1, 0) == 0;
        return probe;
    }

    /// <summary>Records a success.</summary>
    /// <returns>True if this closed an open circuit (L2 is back).</returns>
    public bool OnSuccess()
    {
        if (Volatile.Read(ref _openUntil) == Closed)
        {
            return false;
        }

        var was = Interlocked.Exchange(ref _openUntil, Closed);
        Volatile.Write(ref _probing, 0);
        return was != Closed;
    }

    /// <summary>Records a connection-level failure.</summary>
    /// <returns>True if this opened a closed circuit (L2 just went away).</returns>
    public bool OnFailure(long now)
    {
        var was = Interlocked.Exchange(ref _openUntil, now + breakMs);
        Volatile.Write(ref _probing, 0);
        return was == Closed;
    }

    /// <summary>A probe that ended without an answer either way (the caller cancelled): let another read probe.</summary>
    public void AbandonProbe() => Volatile.Write(ref _probing, 0);
}
