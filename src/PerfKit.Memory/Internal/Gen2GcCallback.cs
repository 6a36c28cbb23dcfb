using System.Runtime.InteropServices;

namespace PerfKit.Memory.Internal;

/// <summary>
/// Calls back after garbage collections for as long as its owner lives and runs the same run (a
/// <see cref="MemoryBudget.Start"/> that was not stopped): an object that resurrects itself in its finalizer. After
/// its first finalization it survives into gen2, so later callbacks follow gen2 collections. The callback runs on
/// the finalizer thread and must only queue work.
/// </summary>
/// <remarks>
/// The owner is held through a raw weak <see cref="GCHandle"/>, not a <see cref="WeakReference{T}"/>: a
/// WeakReference becomes unreachable together with this object and its own finalizer may free the handle first.
/// Each callback belongs to one run: after a Stop and a Start, the old one sees another run and frees itself,
/// so Stop/Start cycles between two collections do not pile callbacks up.
/// </remarks>
internal sealed class Gen2GcCallback
{
    private readonly int _run;
    private GCHandle _owner;

    private Gen2GcCallback(MemoryBudget owner, int run)
    {
        _run = run;
        _owner = GCHandle.Alloc(owner, GCHandleType.Weak);
        owner.OnGen2CallbackCountChanged(1);
    }

    ~Gen2GcCallback()
    {
        var owner = _owner.Target as MemoryBudget;
        if (owner is null || !owner.IsRunning || owner.Run != _run)
        {
            owner?.OnGen2CallbackCountChanged(-1);
            _owner.Free();
            return;
        }

        owner.OnGarbageCollected();
        GC.ReRegisterForFinalize(this);
    }

    public static void Register(MemoryBudget owner, int run) => _ = new Gen2GcCallback(owner, run);
}
