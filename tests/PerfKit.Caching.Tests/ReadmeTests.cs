using PerfKit.TestUtilities;

namespace PerfKit.Caching.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Caching/README.md", "samples/PerfKit.Showcase/CachingQuickStart.cs");
}
