using System.Runtime.InteropServices;

namespace PerfKit.Memory.Internal;

/// <summary>
/// Calls back after garbage collections for as long as its owner lives and runs: an object that resurrects itself
/// in its finalizer. After its first finalization it survives into gen2, so later callbacks follow gen2 collections.
/// The callback runs on the finalizer thread and must only queue work.
/// </summary>
/// <remarks>
/// The owner is held through a raw weak <see cref="GCHandle"/>, not a <see cref="WeakReference{T}"/>: a
/// WeakReference becomes unreachable together with this object and its own finalizer may free the handle first.
/// </remarks>
internal sealed class Gen2GcCallback
{
    private GCHandle _owner;

    private Gen2GcCallback(MemoryBudget owner) => _owner = GCHandle.Alloc(owner, GCHandleType.Weak);

    ~Gen2GcCallback()
    {
        if (_owner.Target is not MemoryBudget owner || !owner.IsRunning)
        {
            _owner.Free();
            return;
        }

        owner.OnGarbageCollected();
        GC.ReRegisterForFinalize(this);
    }

    public static void Register(MemoryBudget owner) => _ = new Gen2GcCallback(owner);
}
