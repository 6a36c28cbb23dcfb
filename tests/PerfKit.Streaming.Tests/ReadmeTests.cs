using PerfKit.TestUtilities;

namespace PerfKit.Streaming.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Streaming/README.md", "samples/PerfKit.Showcase/StreamingQuickStart.cs");
}
