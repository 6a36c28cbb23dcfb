using System.Buffers;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching.Tests;

public sealed class SystemTextJsonCacheSerializerTests
{
    [Fact]
    public void AByteArray_IsStoredAsItsBytesAndAMarker_NotAsBase64Json_AndRoundTrips()
    {
        var serializer = new SystemTextJsonCacheSerializer();
        var body = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var buffer = new ArrayBufferWriter<byte>();

        serializer.Serialize(body, buffer);

        buffer.WrittenCount.Should().Be(1001, "one marker byte and the bytes, where base64 JSON took 1,338");
        serializer.Deserialize<byte[]>(buffer.WrittenSpan).Should().Equal(body);
    }

    [Fact]
    public void NullAndEmptyByteArrays_RoundTrip()
    {
        var serializer = new SystemTextJsonCacheSerializer();
        var forNull = new ArrayBufferWriter<byte>();
        var forEmpty = new ArrayBufferWriter<byte>();

        serializer.Serialize<byte[]?>(null, forNull);
        serializer.Serialize(Array.Empty<byte>(), forEmpty);

        serializer.Deserialize<byte[]?>(forNull.WrittenSpan).Should().BeNull();
        serializer.Deserialize<byte[]>(forEmpty.WrittenSpan).Should().BeEmpty();
    }

    [Fact]
    public void OtherTypes_AreStillJson()
    {
        var serializer = new SystemTextJsonCacheSerializer();
        var buffer = new ArrayBufferWriter<byte>();

        serializer.Serialize(new[] { 1, 2 }, buffer);

        System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be("[1,2]");
        serializer.Deserialize<int[]>(buffer.WrittenSpan).Should().Equal(1, 2);
    }
}
