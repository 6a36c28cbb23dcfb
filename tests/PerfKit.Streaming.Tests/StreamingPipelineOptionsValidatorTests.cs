using Microsoft.Extensions.Options;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming.Tests;

public sealed class StreamingPipelineOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(Action<StreamingPipelineOptions> change)
    {
        var options = new StreamingPipelineOptions();
        change(options);
        return new StreamingPipelineOptionsValidator().Validate(null, options);
    }

    [Fact]
    public void Defaults_Pass() => Validate(_ => { }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(nameof(StreamingPipelineOptions.Name))]
    [InlineData(nameof(StreamingPipelineOptions.MaxDegreeOfParallelism))]
    [InlineData(nameof(StreamingPipelineOptions.MaxBytesInFlight))]
    [InlineData(nameof(StreamingPipelineOptions.MaxItemsInFlight))]
    [InlineData(nameof(StreamingPipelineOptions.MaxItemBytes))]
    [InlineData(nameof(StreamingPipelineOptions.BatchSize))]
    [InlineData(nameof(StreamingPipelineOptions.BatchBytes))]
    [InlineData(nameof(StreamingPipelineOptions.BatchInterval))]
    [InlineData(nameof(StreamingPipelineOptions.ErrorPolicy))]
    [InlineData(nameof(StreamingPipelineOptions.MaxRetries))]
    [InlineData(nameof(StreamingPipelineOptions.RetryDelay))]
    [InlineData(nameof(StreamingPipelineOptions.MaxReportedFailures))]
    [InlineData(nameof(StreamingPipelineOptions.ProgressInterval))]
    [InlineData(nameof(StreamingPipelineOptions.CheckpointInterval))]
    [InlineData(nameof(StreamingPipelineOptions.CheckpointPath))]
    public void EachRule_Rejects_NamingTheOption(string option)
    {
        var result = Validate(o =>
        {
            switch (option)
            {
                case nameof(o.Name): o.Name = " "; break;
                case nameof(o.MaxDegreeOfParallelism): o.MaxDegreeOfParallelism = 0; break;
                case nameof(o.MaxBytesInFlight): o.MaxBytesInFlight = 0; break;
                case nameof(o.MaxItemsInFlight): o.MaxItemsInFlight = 0; break;
                case nameof(o.MaxItemBytes): o.MaxItemBytes = -1; break;
                case nameof(o.BatchSize): o.BatchSize = 0; break;
                case nameof(o.BatchBytes): o.BatchBytes = 0; break;
                case nameof(o.BatchInterval): o.BatchInterval = TimeSpan.Zero; break;
                case nameof(o.ErrorPolicy): o.ErrorPolicy = (ItemErrorPolicy)42; break;
                case nameof(o.MaxRetries): o.MaxRetries = 101; break;
                case nameof(o.RetryDelay): o.RetryDelay = TimeSpan.FromSeconds(-1); break;
                case nameof(o.MaxReportedFailures): o.MaxReportedFailures = -1; break;
                case nameof(o.ProgressInterval): o.ProgressInterval = TimeSpan.Zero; break;
                case nameof(o.CheckpointInterval): o.CheckpointInterval = TimeSpan.FromSeconds(-1); break;
                case nameof(o.CheckpointPath): o.CheckpointPath = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "cp.json"); break;
            }
        });

        result.Failed.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should().Contain($"StreamingPipelineOptions.{option}").And.Match(f => option == "Name" || f.Contains("it is", StringComparison.Ordinal));
    }

    [Fact]
    public void AByteBoundBelowTheLargestItem_IsRejected_NamingMaxBytesInFlight()
    {
        var result = Validate(o =>
        {
            o.MaxItemBytes = 1 << 20;
            o.MaxBytesInFlight = 1 << 10;
        });

        result.Failures.Should().ContainSingle().Which.Should().Contain("StreamingPipelineOptions.MaxBytesInFlight").And.Contain("MaxItemBytes (1048576)").And.Contain("it is 1024");
    }

    [Fact]
    public void ACheckpointPathUnderAFile_SaysItIsNotAFolder()
    {
        using var folder = new TempFolder();
        var file = folder.Write("plain.txt", "x");

        Validate(o => o.CheckpointPath = Path.Combine(file, "cp.json")).Failures.Should().ContainSingle()
            .Which.Should().Contain($"'{file}' is a file, not a folder").And.NotContain("does not exist");
        Validate(o => o.CheckpointPath = Path.Combine(file, "deeper", "cp.json")).Failures.Should().ContainSingle()
            .Which.Should().Contain($"'{file}' is a file, not a folder");
    }

    [Fact]
    public void ACheckpointPathThatIsAFolder_OrCannotBeWritten_IsRejected()
    {
        Validate(o => o.CheckpointPath = Path.GetTempPath()).Failures.Should().ContainSingle().Which.Should().Contain("names a folder");
        Validate(o => o.CheckpointPath = "/proc/perfkit-checkpoint.json").Failures.Should().ContainSingle().Which.Should().Contain("cannot be written");
        Validate(o => o.CheckpointPath = Path.Combine(Path.GetTempPath(), "cp.json")).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void SeveralBadValues_AreAllReported_WithoutExponents()
    {
        var result = Validate(o =>
        {
            o.MaxDegreeOfParallelism = -1;
            o.BatchSize = 0;
            o.MaxBytesInFlight = long.MinValue;
        });

        result.Failures.Should().HaveCount(3);
        result.Failures.Should().AllSatisfy(f => f.Should().NotContain("E+").And.NotContain("E-"));
    }

    [Fact]
    public void TheConstructor_ThrowsOneExceptionWithEveryFailure()
    {
        var act = () => new StreamingPipeline<int, int>((i, _) => ValueTask.FromResult(i), (_, _) => ValueTask.CompletedTask, new StreamingPipelineOptions { MaxDegreeOfParallelism = 0, BatchSize = 0 });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }

    [Fact]
    public void DirectorySourceOptions_RequireARoot()
    {
        var result = new DirectorySourceOptionsValidator().Validate(null, new DirectorySourceOptions());

        result.Failures.Should().ContainSingle().Which.Should().Contain("DirectorySourceOptions.Root");
    }
}
