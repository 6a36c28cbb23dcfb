using PerfKit.Caching.Redis;

namespace PerfKit.Caching.IntegrationTests;

public sealed class BackplaneMessageTests
{
    [Fact]
    public void EncodeDecode_RoundTrips_KeysWithAnyCharacters()
    {
        var message = new CacheInvalidation("api", "node-1", CacheInvalidationKind.Tag, "odd\nkey|with:everything", 1234567890123);

        var decoded = RedisCacheBackplane.Decode(RedisCacheBackplane.Encode(message));

        decoded.Should().BeEquivalentTo(message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ping")]
    [InlineData("2\n0\n1\napi\nnode\nkey")]
    [InlineData("1\n7\n1\napi\nnode\nkey")]
    [InlineData("1\n0\nnot-a-number\napi\nnode\nkey")]
    [InlineData("1\n0\n1\n\nnode\nkey")]
    public void Decode_RejectsAnythingElse(string? text) =>
        RedisCacheBackplane.Decode(text).Should().BeNull();

    [Fact]
    public void Encode_RefusesALineBreakInTheCacheName() =>
        FluentActions.Invoking(() => RedisCacheBackplane.Encode(new CacheInvalidation("a\nb", "node", CacheInvalidationKind.Key, "k", 1)))
            .Should().Throw<ArgumentException>();
}
