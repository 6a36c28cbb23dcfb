namespace PerfKit.Memory.Tests;

/// <summary>A probe whose readings the test sets: usage drives the budget without allocating anything.</summary>
internal sealed class FakeMemoryProbe : IMemoryProbe
{
    private long _usage;

    public FakeMemoryProbe(long usage = 0, long available = 8L << 30, long? containerLimit = null)
    {
        _usage = usage;
        Available = available;
        ContainerLimit = containerLimit;
    }

    public long Usage
    {
        get => Interlocked.Read(ref _usage);
        set => Interlocked.Exchange(ref _usage, value);
    }

    public long Available { get; set; }

    public long? ContainerLimit { get; set; }

    public int Reads { get; private set; }

    /// <summary>Called on every read, on the reading thread.</summary>
    public Action? OnRead { get; set; }

    public void Free(long bytes) => Interlocked.Add(ref _usage, -bytes);

    public MemoryReading Read()
    {
        Reads++;
        OnRead?.Invoke();
        return new MemoryReading(Usage, Usage, Available, ContainerLimit, ContainerLimit is null ? null : Usage);
    }
}

/// <summary>A responder that records its calls and frees what the test says, from a fake probe.</summary>
internal sealed class RecordingResponder(string name, int priority, FakeMemoryProbe probe, long frees, List<string> calls) : IMemoryPressureResponder
{
    public string Name { get; } = name;

    public int Priority { get; } = priority;

    public MemoryPressureContext? LastContext { get; private set; }

    public SemaphoreSlim Called { get; } = new(0);

    public ValueTask<long> RespondAsync(MemoryPressureContext context, CancellationToken cancellationToken)
    {
        lock (calls)
        {
            calls.Add(Name);
        }

        LastContext = context;
        probe.Free(frees);
        Called.Release();
        return ValueTask.FromResult(frees);
    }
}
