using PerfKit.TestUtilities;

namespace PerfKit.Caching.AspNetCore.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Caching.AspNetCore/README.md", "tests/PerfKit.Caching.AspNetCore.Tests/ReadmeQuickStart.cs");

    [Fact]
    public async Task QuickStart_Runs_AndServesTheSecondRequestFromTheCache()
    {
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            await ReadmeQuickStart.RunAsync();
        }
        finally
        {
            Console.SetOut(console);
        }

        // The host's console logger writes to the same output; the quick start's own lines are the "render" ones.
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("render", StringComparison.Ordinal)).Should().Equal("render 1", "render 1", "render 2");
    }
}
