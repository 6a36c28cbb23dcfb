using PerfKit.Samples;
using PerfKit.TestUtilities;

namespace PerfKit.Monitoring.Email.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Monitoring.Email/README.md", "tests/PerfKit.Monitoring.Email.Tests/EmailReadmeSamples.cs");

    [Fact]
    public async Task QuickStart_StartsAndStopsWithoutAnSmtpServer()
    {
        var notifiers = await EmailReadmeSamples.QuickStartAsync([]);

        notifiers.Should().Equal("email");
    }
}
