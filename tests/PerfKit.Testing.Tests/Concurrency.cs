namespace PerfKit.Testing.Tests;

internal static class Concurrency
{
    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> if it is lower, atomically.</summary>
    public static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
