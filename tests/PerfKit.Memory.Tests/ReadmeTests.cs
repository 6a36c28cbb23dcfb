using PerfKit.TestUtilities;

namespace PerfKit.Memory.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Memory/README.md", "samples/PerfKit.Showcase/MemoryQuickStart.cs");
}
