using System.Buffers.Binary;
using System.Text;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching.Internal;

/// <summary>
/// The L2 payload: a small binary header (format version, created/expires/stale-until in UTC milliseconds, size, tags)
/// followed by the serialized value. Anything that does not parse is a miss, never an exception to the caller.
/// </summary>
internal static class Envelope
{
    private const byte FormatVersion = 2;
    private const int FixedHeader = 1 + 8 + 8 + 8 + 8 + 2;

    public static byte[] Write<T>(ICacheSerializer serializer, T value, long createdUtcMs, long expiresUtcMs, long staleUntilUtcMs, string[]? tags, long size)
    {
        using var buffer = new PooledBufferWriter();
        var header = buffer.GetSpan(FixedHeader);
        header[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], createdUtcMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[9..], expiresUtcMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[17..], staleUntilUtcMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[25..], size);
        BinaryPrimitives.WriteUInt16LittleEndian(header[33..], (ushort)(tags?.Length ?? 0));
        buffer.Advance(FixedHeader);
        foreach (var tag in tags ?? [])
        {
            var length = Encoding.UTF8.GetByteCount(tag);
            var span = buffer.GetSpan(2 + length);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
            Encoding.UTF8.GetBytes(tag, span[2..]);
            buffer.Advance(2 + length);
        }

        serializer.Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static bool TryRead<T>(ICacheSerializer serializer, ReadOnlySpan<byte> data, out Header header, out T value)
    {
        header = default;
        value = default!;
        if (data.Length < FixedHeader || data[0] != FormatVersion)
        {
            return false;
        }

        var created = BinaryPrimitives.ReadInt64LittleEndian(data[1..]);
        var expires = BinaryPrimitives.ReadInt64LittleEndian(data[9..]);
        var staleUntil = BinaryPrimitives.ReadInt64LittleEndian(data[17..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(data[25..]);
        var tagCount = BinaryPrimitives.ReadUInt16LittleEndian(data[33..]);
        if (size < 0)
        {
            return false;
        }

        var rest = data[FixedHeader..];
        var tags = tagCount == 0 ? null : new string[tagCount];
        for (var i = 0; i < tagCount; i++)
        {
            if (rest.Length < 2)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            if (rest.Length < 2 + length)
            {
                return false;
            }

            tags![i] = Encoding.UTF8.GetString(rest.Slice(2, length));
            rest = rest[(2 + length)..];
        }

        value = serializer.Deserialize<T>(rest);
        header = new Header(created, expires, staleUntil, tags, size);
        return true;
    }

    public readonly record struct Header(long CreatedUtcMs, long ExpiresUtcMs, long StaleUntilUtcMs, string[]? Tags, long Size);
}
