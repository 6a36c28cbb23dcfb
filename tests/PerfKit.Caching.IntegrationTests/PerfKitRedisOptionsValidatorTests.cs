using PerfKit.Caching.Redis;
using PerfKit.Caching.Redis.Internal;
using StackExchange.Redis;

namespace PerfKit.Caching.IntegrationTests;

public sealed class PerfKitRedisOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_WithAConfiguration_Succeed() =>
        Validate(new PerfKitRedisOptions { Configuration = "127.0.0.1:6379" }).Succeeded.Should().BeTrue();

    [Fact]
    public void Validate_ABorrowedConnectionAlone_Succeeds() =>
        Validate(new PerfKitRedisOptions { ConnectionMultiplexerFactory = () => Task.FromException<IConnectionMultiplexer>(new InvalidOperationException()) }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(PerfKitRedisOptions.MaxMaximumPayloadBytes + 1)]
    public void Validate_MaximumPayloadBytesOutOfRange_NamesTheOptionAndTheValue(int bytes)
    {
        var result = Validate(new PerfKitRedisOptions { Configuration = "127.0.0.1:6379", MaximumPayloadBytes = bytes });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("PerfKitRedisOptions.MaximumPayloadBytes").And.Contain(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Validate_BothConnectionSources_IsRefused() =>
        Validate(new PerfKitRedisOptions { Configuration = "127.0.0.1:6379", ConnectionMultiplexerFactory = () => Task.FromException<IConnectionMultiplexer>(new InvalidOperationException()) })
            .FailureMessage.Should().Contain("PerfKitRedisOptions.Configuration").And.Contain("PerfKitRedisOptions.ConnectionMultiplexerFactory").And.Contain("not both");

    [Fact]
    public void Validate_AnEmptyChannelWithTheBackplane_IsRefused() =>
        Validate(new PerfKitRedisOptions { Configuration = "127.0.0.1:6379", Channel = "" }).FailureMessage.Should().Contain("PerfKitRedisOptions.Channel");

    [Fact]
    public void Validate_EveryFailureIsReported_AndAPasswordIsNeverRepeated()
    {
        var result = Validate(new PerfKitRedisOptions { Configuration = "127.0.0.1:notaport,password=s3cret", KeyPrefix = "", MaximumPayloadBytes = 0 });

        result.Failures.Should().HaveCount(3);
        result.FailureMessage.Should().NotContain("s3cret");
    }

    [Fact]
    public void Constructors_ApplyTheSameRules()
    {
        FluentActions.Invoking(() => new RedisConnection(new PerfKitRedisOptions { Configuration = "foo=bar" }))
            .Should().Throw<ArgumentException>().WithMessage("*PerfKitRedisOptions.Configuration*foo*");
        using var connection = new RedisConnection(new PerfKitRedisOptions { Configuration = "127.0.0.1:6379" });
        FluentActions.Invoking(() => new RedisDistributedCacheStore(connection, new PerfKitRedisOptions { KeyPrefix = " " }))
            .Should().Throw<ArgumentException>().WithMessage("*PerfKitRedisOptions.KeyPrefix*");
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(PerfKitRedisOptions options) =>
        new PerfKitRedisOptionsValidator().Validate(null, options);
}
