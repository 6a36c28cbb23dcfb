using PerfKit.Showcase;
using PerfKit.TestUtilities;

namespace PerfKit.Streaming.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled(
            "src/PerfKit.Streaming/README.md",
            "samples/PerfKit.Showcase/StreamingQuickStart.cs",
            "samples/PerfKit.Showcase/StreamingRecordsQuickStart.cs");

    [Fact]
    public async Task RecordReaders_Blocks_Run_AndCountWhatTheyWrote()
    {
        // The samples file is compiled into this project too (see the .csproj), so the README's blocks run here.
        var counted = await StreamingRecordsQuickStart.RunAsync();

        counted.Should().Be((4L, 2011L, 3L, 1L, 4L), "(lines, bytes, kept, skipped, total in chunks) of the file the blocks write");
    }
}
