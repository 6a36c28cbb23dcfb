namespace PerfKit.Memory.Internal;

/// <summary>
/// Calls back after garbage collections for as long as its owner lives: an object that resurrects itself in its
/// finalizer. After its first finalization it survives into gen2, so later callbacks follow gen2 collections.
/// The callback runs on the finalizer thread and must only queue work.
/// </summary>
internal sealed class Gen2GcCallback
{
    private readonly WeakReference<MemoryBudget> _owner;

    private Gen2GcCallback(MemoryBudget owner) => _owner = new WeakReference<MemoryBudget>(owner);

    ~Gen2GcCallback()
    {
        if (!_owner.TryGetTarget(out var owner) || !owner.IsRunning)
        {
            return;
        }

        owner.OnGarbageCollected();
        GC.ReRegisterForFinalize(this);
    }

    public static void Register(MemoryBudget owner) => _ = new Gen2GcCallback(owner);
}
