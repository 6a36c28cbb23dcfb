namespace PerfKit.Shared;

/// <summary>
/// Subscriber and observer lists that readers enumerate without a lock: writers replace the whole array under the
/// owner's lock, readers take the current array with one read and never see it change.
/// </summary>
internal static class CopyOnWriteArray
{
    /// <summary>Adds <paramref name="item"/>; call under the owner's lock.</summary>
    public static void Add<T>(ref T[] array, T item) => Volatile.Write(ref array, [.. array, item]);

    /// <summary>Removes one occurrence of <paramref name="item"/> (by reference), so a twice-added item needs two removes; call under the owner's lock.</summary>
    /// <returns>Whether the item was there.</returns>
    public static bool Remove<T>(ref T[] array, T item)
        where T : class
    {
        var current = array;
        var index = Array.FindIndex(current, x => ReferenceEquals(x, item));
        if (index < 0)
        {
            return false;
        }

        var next = new T[current.Length - 1];
        Array.Copy(current, 0, next, 0, index);
        Array.Copy(current, index + 1, next, index, current.Length - index - 1);
        Volatile.Write(ref array, next);
        return true;
    }
}
