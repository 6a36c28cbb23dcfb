using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests.Notifications;

public sealed class NotificationDispatcherOptionsValidatorTests
{
    private static IEnumerable<string> Failures(NotificationDispatcherOptions options) =>
        new NotificationDispatcherOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Defaults_Pass() => Failures(new NotificationDispatcherOptions()).Should().BeEmpty();

    public static TheoryData<string, Action<NotificationDispatcherOptions>> BadValues => new()
    {
        { "GroupWait", o => o.GroupWait = TimeSpan.FromSeconds(-1) },
        { "GroupWait", o => o.GroupWait = TimeSpan.FromDays(31) },
        { "GroupInterval", o => o.GroupInterval = TimeSpan.Zero },
        { "RepeatInterval", o => o.RepeatInterval = TimeSpan.FromMinutes(1) },
        { "GroupBy[0]", o => o.GroupBy = [" "] },
        { "GroupBy", o => o.GroupBy = null! },
        { "QueueCapacity", o => o.QueueCapacity = 0 },
        { "MaxAttempts", o => o.MaxAttempts = 0 },
        { "MaxAttempts", o => o.MaxAttempts = 101 },
        { "InitialRetryDelay", o => o.InitialRetryDelay = TimeSpan.Zero },
        { "MaxRetryDelay", o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(10) },
        { "MaxRetryAge", o => o.MaxRetryAge = TimeSpan.Zero },
        { "SendTimeout", o => o.SendTimeout = TimeSpan.FromDays(2) },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void EachRule_Rejects_NamingTheOptionAndItsValue(string property, Action<NotificationDispatcherOptions> set)
    {
        var options = new NotificationDispatcherOptions();
        set(options);
        Failures(options).Should().ContainSingle().Which.Should().Contain($"NotificationDispatcherOptions.{property}:").And.Match(m => property.StartsWith("GroupBy", StringComparison.Ordinal) || m.Contains("it is", StringComparison.Ordinal));
    }

    [Fact]
    public void SeveralBadValues_AreAllReported_WithoutExponents()
    {
        var failures = Failures(new NotificationDispatcherOptions { QueueCapacity = -1, MaxAttempts = int.MaxValue, SendTimeout = TimeSpan.Zero }).ToList();
        failures.Should().HaveCount(3);
        failures.Should().NotContain(f => f.Contains("E+", StringComparison.Ordinal) || f.Contains("E-", StringComparison.Ordinal));
    }
}
