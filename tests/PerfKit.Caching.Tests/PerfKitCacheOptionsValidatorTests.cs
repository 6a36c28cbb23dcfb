using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PerfKit.Caching.Tests;

/// <summary>Bad options fail at start with every problem named, in words a person can read (issue 10's rules applied to Caching).</summary>
public sealed class PerfKitCacheOptionsValidatorTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Defaults_Pass() => FluentActions.Invoking(() => new PerfKitCache(new PerfKitCacheOptions()).Dispose()).Should().NotThrow();

    [Fact]
    public void EveryBadValue_IsReported_NotOnlyTheFirst_WithReadableRanges()
    {
        var options = new PerfKitCacheOptions
        {
            MaximumEntries = 0,
            ShrinkFractionUnderPressure = 2,
            DistributedCacheTimeout = TimeSpan.Zero,
            DistributedOutboxCapacity = 0,
            DefaultEntryOptions = new CacheEntryOptions { Duration = TimeSpan.Zero, Size = -1, EagerRefreshThreshold = 1.5, ClusterSingleFlightTimeout = TimeSpan.Zero },
        };

        var act = () => new PerfKitCache(options);

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().Contain(f => f.Contains("PerfKitCacheOptions.MaximumEntries: must be at least 1; it is 0.", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("PerfKitCacheOptions.ShrinkFractionUnderPressure: must be between 0 and 1; it is 2.", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("PerfKitCacheOptions.DistributedCacheTimeout", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("DistributedOutboxCapacity", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CacheEntryOptions.Duration must be positive", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CacheEntryOptions.Size must not be negative", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CacheEntryOptions.EagerRefreshThreshold", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CacheEntryOptions.ClusterSingleFlightTimeout must be positive; it is 00:00:00.", StringComparison.Ordinal));
        failures.Should().NotContain(f => f.Contains("E+18", StringComparison.Ordinal) || f.Contains("E-324", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FromConfiguration_BadValuesFailAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Caching:MaximumEntries"] = "0", ["Caching:Name"] = "catalog" });
        builder.Services.AddPerfKitCaching(builder.Configuration.GetSection("Caching"));
        using var host = builder.Build();

        var act = () => host.StartAsync(Ct);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*PerfKitCacheOptions.MaximumEntries: must be at least 1; it is 0*");
    }

    [Fact]
    public void FromConfiguration_BindsTheOptionsAndTheDefaultEntryOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Caching:Name"] = "catalog",
            ["Caching:MaximumEntries"] = "500",
            ["Caching:DefaultEntryOptions:Duration"] = "00:02:00",
            ["Caching:DefaultEntryOptions:Tags:0"] = "products",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching(configuration.GetSection("Caching"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PerfKitCacheOptions>>().Value;

        options.Name.Should().Be("catalog");
        options.MaximumEntries.Should().Be(500);
        options.DefaultEntryOptions.Duration.Should().Be(TimeSpan.FromMinutes(2));
        options.DefaultEntryOptions.Tags.Should().Equal("products");
        provider.GetRequiredService<IPerfKitCache>().Name.Should().Be("catalog");
    }

    [Fact]
    public void AddPerfKitCaching_Twice_RegistersOneCache_AndAppliesBothConfigures()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPerfKitCaching(o => o.Name = "first");
        services.AddPerfKitCaching(o => o.MaximumEntries = 7);
        using var provider = services.BuildServiceProvider();

        provider.GetServices<IPerfKitCache>().Should().ContainSingle();
        var options = provider.GetRequiredService<IOptions<PerfKitCacheOptions>>().Value;
        options.Name.Should().Be("first");
        options.MaximumEntries.Should().Be(7);
    }
}
