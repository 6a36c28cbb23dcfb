using PerfKit.Caching.Hybrid;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Tests.Hybrid;

public sealed class PerfKitHybridCacheOptionsValidatorTests
{
    [Fact]
    public void Defaults_Pass() =>
        new PerfKitHybridCacheOptionsValidator().Validate(null, new PerfKitHybridCacheOptions()).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void MaximumKeyLength_BelowOne_IsRejectedNamingTheOptionAndValue(int value)
    {
        var result = new PerfKitHybridCacheOptionsValidator().Validate(null, new PerfKitHybridCacheOptions { MaximumKeyLength = value });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("PerfKitHybridCacheOptions.MaximumKeyLength").And.Contain($"it is {value}.").And.NotContain("E+");
    }
}
