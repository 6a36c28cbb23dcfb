namespace PerfKit.Caching.IntegrationTests;

public sealed class RedisServerTests(RedisServer redis)
{
    [Fact]
    public void Fixture_SaysWhichServerItUses()
    {
        Assert.SkipWhen(redis.SkipReason is not null, redis.SkipReason ?? "");
        TestContext.Current.TestOutputHelper?.WriteLine("Redis-protocol server of this run: " + redis.Description);
        TestContext.Current.SendDiagnosticMessage("Redis-protocol server of this run: {0}", redis.Description);

        var forced = Environment.GetEnvironmentVariable(RedisServer.ServerVariable);
        if (string.Equals(forced, "garnet", StringComparison.OrdinalIgnoreCase))
        {
            redis.Kind.Should().Be("garnet");
        }

        redis.Description.Should().Contain(redis.Kind).And.Contain(redis.Endpoint);
    }
}
