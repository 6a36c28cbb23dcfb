using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PerfKit.Caching.Internal;

/// <summary>
/// Whether <c>HybridCache</c> would hand out the stored instance of <typeparamref name="T"/> rather than a copy: strings,
/// value types without references, and sealed types marked <c>[ImmutableObject(true)]</c>. Computed once per type.
/// </summary>
internal static class HybridImmutability<T>
{
    public static readonly bool IsImmutable = Compute();

    private static bool Compute()
    {
        var type = typeof(T);
        if (type == typeof(string) || (type.IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<T>()))
        {
            return true;
        }

        return type.IsSealed && type.GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true };
    }
}
