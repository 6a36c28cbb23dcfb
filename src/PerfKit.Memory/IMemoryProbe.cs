namespace PerfKit.Memory;

/// <summary>
/// Reads the process's memory. <see cref="RuntimeMemoryProbe"/> is the real one; supply your own to count
/// memory the runtime cannot see (native buffers, a GPU) or to drive the budget in tests.
/// </summary>
public interface IMemoryProbe
{
    /// <summary>Takes a reading now. Must be cheap (it runs on every sampling tick) and must not throw.</summary>
    /// <returns>The reading.</returns>
    MemoryReading Read();
}
