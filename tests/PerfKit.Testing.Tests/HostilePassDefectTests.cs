namespace PerfKit.Testing.Tests;

/// <summary>Defects found by the hostile pass of 2026-11-30: each test here failed on the code before its fix.</summary>
public sealed class HostilePassDefectTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    // An exception whose Message getter throws ended the virtual user (the runner read Message in its catch): the run
    // returned at once with 0 iterations and 0 failures, and nothing said why.
    [Fact]
    public async Task AScenarioThrowingAnExceptionWhoseMessageThrows_FailsItsIterations_AndTheUsersGoOn()
    {
        var result = await LoadTest.RunAsync("message throws", _ => throw new MessageThrowsException(), new ClosedModel(2) { Iterations = 100 }, cancellationToken: Ct);

        result.Iterations.Should().Be(100);
        result.Failures.Should().Be(100);
        result.FailuresByReason.Should().ContainKey(nameof(MessageThrowsException)).WhoseValue.Should().Be(100);
        result.FailureMessages[nameof(MessageThrowsException)].Should().ContainSingle().Which.Should().Contain("Message threw InvalidOperationException");
    }

    private sealed class MessageThrowsException : Exception
    {
        public override string Message => throw new InvalidOperationException("no message today");
    }
}
