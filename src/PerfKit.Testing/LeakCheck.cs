using System.Runtime.CompilerServices;

namespace PerfKit.Testing;

/// <summary>Helps check that objects become garbage: create them out of the caller's frame, then assert they are collected.</summary>
public static class LeakCheck
{
    /// <summary>Default number of collections tried before an object counts as leaked.</summary>
    public const int DefaultAttempts = 10;

    /// <summary>
    /// Runs <paramref name="create"/> in a frame of its own (so no local of the test roots the result) and returns a
    /// weak reference to what it made. Do what should release the object, then assert
    /// <c>reference.Should().BeCollected()</c>.
    /// </summary>
    /// <param name="create">Creates the object to watch (and may hand it to the code under test).</param>
    /// <returns>A weak reference to the object.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static WeakReference Track(Func<object> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return new WeakReference(create());
    }

    /// <summary>Collects (full, blocking, with finalizers) until the target is gone or the attempts run out.</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="attempts">How many collections to try.</param>
    /// <returns>Whether the target was collected.</returns>
    public static bool TryCollect(WeakReference reference, int attempts = DefaultAttempts)
    {
        ArgumentNullException.ThrowIfNull(reference);
        for (var i = 0; i < attempts && reference.IsAlive; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return !reference.IsAlive;
    }
}
