using System.Buffers;

namespace PerfKit.Caching.Serialization;

/// <summary>Turns values into bytes for the distributed (L2) cache and back. L1 never serializes.</summary>
public interface ICacheSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="destination">Where the bytes go.</param>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a value written by <see cref="Serialize{T}"/>. Throw on bad input: the cache treats it as a miss.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="source">The bytes.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> source);
}
