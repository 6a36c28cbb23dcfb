using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;
using static PerfKit.Monitoring.Tests.Notifications.NotificationTestKit;
using Instruments = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Instruments;

namespace PerfKit.Monitoring.Tests.Notifications;

public sealed class NotificationDispatcherTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(Start);
    private readonly TestMeters _meters = new();
    private readonly RecordingLoggerFactory _logs = new();

    public void Dispose() => _meters.Dispose();

    private (NotificationDispatcher Dispatcher, DispatcherProbe Probe) Create(Action<NotificationDispatcherOptions>? configure = null, params IAlertNotifier[] notifiers)
    {
        var dispatcher = new NotificationDispatcher(notifiers, Options(configure), new PerfKitMonitoringDependencies
        {
            TimeProvider = _time,
            MeterFactory = _meters,
            LoggerFactory = _logs,
        });
        return (dispatcher, new DispatcherProbe(dispatcher));
    }

    [Fact]
    public async Task Publish_DuplicateFiring_IsSentOnceAfterGroupWait()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(29));
        notifier.Calls.Should().BeEmpty("the group waits GroupWait (30 s) before its first notification");
        _time.Advance(TimeSpan.FromSeconds(1));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Should().ContainSingle().Which.Should().ContainSingle()
            .Which.Status.Should().Be(AlertStatus.Firing);
        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromMinutes(10));
        probe.TryRead(out var extra).Should().BeFalse("a duplicate of a delivered firing changes nothing (got {0})", extra);
        notifier.Calls.Should().HaveCount(1);
        _meters.Sum(Instruments.NotificationsSent, "test").Should().Be(1);
    }

    [Fact]
    public async Task GroupWaitZero_SendsWithoutWaiting()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(o => o.GroupWait = TimeSpan.Zero, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.Zero);
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task StillFiring_IsRepeatedEveryRepeatInterval()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);

        _time.Advance(TimeSpan.FromMinutes(59));
        notifier.Calls.Should().HaveCount(1, "the repeat interval is one hour");
        _time.Advance(TimeSpan.FromMinutes(1));
        await probe.NextAsync(DispatcherEvent.Sent);
        _time.Advance(TimeSpan.FromHours(1));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Should().HaveCount(3).And.AllSatisfy(c => c.Should().ContainSingle().Which.Status.Should().Be(AlertStatus.Firing));
    }

    [Fact]
    public async Task AlertsOfOneRule_RaisedTogether_AreOneNotification_OtherRulesAreTheirOwn()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/a")));
        _time.Advance(TimeSpan.FromSeconds(10));
        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/b")));
        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(20));
        await probe.NextAsync(DispatcherEvent.Sent);
        _time.Advance(TimeSpan.FromSeconds(10));
        await probe.NextAsync(DispatcherEvent.Sent);

        var calls = notifier.Calls.ToArray();
        calls.Should().HaveCount(2);
        calls[0].Select(a => a.Labels["route"]).Should().BeEquivalentTo(["/a", "/b"]);
        calls[1].Should().ContainSingle().Which.RuleName.Should().Be("HighCpu");
    }

    [Fact]
    public async Task GroupBy_Labels_GroupAcrossRules()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(o => o.GroupBy = ["service"], notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start, ("service", "api")));
        dispatcher.Publish(Firing("HighMemory", Start, ("service", "api")));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Should().ContainSingle().Which.Should().HaveCount(2);
    }

    [Fact]
    public async Task ChangeAfterANotification_WaitsForTheGroupInterval()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/a")));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);

        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/b")));
        _time.Advance(TimeSpan.FromMinutes(4));
        notifier.Calls.Should().HaveCount(1, "the group was flushed less than GroupInterval (5 min) ago");
        _time.Advance(TimeSpan.FromMinutes(1));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Last().Select(a => a.Labels["route"]).Should().BeEquivalentTo(["/a", "/b"], "a group message carries every firing alert of the group");
    }

    [Fact]
    public async Task FiringResolvedBeforeDelivery_SendsNothing()
    {
        var notifier = new ScriptedNotifier();
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("Blip", Start));
        _time.Advance(TimeSpan.FromSeconds(10));
        dispatcher.Publish(Resolved("Blip", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(20));
        await probe.NextAsync(DispatcherEvent.Skipped);

        notifier.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task FiringSupersededByItsResolveDuringRetries_SendsNothingMore()
    {
        var notifier = new ScriptedNotifier();
        notifier.ThenFail(1);
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("Blip", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        var wait = await probe.NextAsync(DispatcherEvent.RetryWait);
        dispatcher.Publish(Resolved("Blip", Start, _time.GetUtcNow()));
        _time.Advance(wait.Delay);
        await probe.NextAsync(DispatcherEvent.Skipped);
        _time.Advance(TimeSpan.FromHours(2));

        notifier.Delivered.Should().BeEmpty("the retry reads the group's state then: the alert is over and the receiver never knew");
        probe.TryRead(out var extra).Should().BeFalse("nothing is left to send (got {0})", extra);
    }

    [Fact]
    public async Task FiringDeliveredWhileItResolved_IsFollowedByItsResolve()
    {
        var notifier = new ScriptedNotifier();
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        notifier.Then(async _ => { entered.SetResult(); await release.Task; });
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await entered.Task.WithTimeout();
        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        release.SetResult();
        await probe.NextAsync(DispatcherEvent.Sent);
        _time.Advance(TimeSpan.FromMinutes(5));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Delivered.Select(c => c.Single().Status).Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
    }

    [Fact]
    public async Task ConcurrentPublishers_NeverSendAResolveWithoutItsFiring()
    {
        var notifier = new ScriptedNotifier();
        var attempt = 0;
        notifier.Otherwise = _ => Interlocked.Increment(ref attempt) % 3 == 0 ? throw new HttpRequestException("flaky") : Task.CompletedTask;
        var (dispatcher, probe) = Create(o => { o.GroupWait = TimeSpan.FromSeconds(1); o.GroupInterval = TimeSpan.FromSeconds(5); o.RepeatInterval = TimeSpan.FromMinutes(1); o.MaxAttempts = 1; }, notifier);
        await using var _ = dispatcher;

        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                var rule = $"Rule{(p * 7 + i) % 20}";
                dispatcher.Publish(i % 2 == 0 ? Firing(rule, Start) : Resolved(rule, Start, Start.AddSeconds(i)));
            }
        })).ToArray();
        while (!publishers.All(t => t.IsCompleted))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await Task.WhenAll(publishers).WithTimeout();
        for (var i = 0; i < 200; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Task.Yield();
        }

        while ((await probe.NextAsync()).Kind != DispatcherEvent.Sent)
        {
            // at least one delivery has happened before the invariant is read (the workers run on their own threads)
        }

        var delivered = new Dictionary<string, bool>();
        foreach (var call in notifier.Delivered)
        {
            foreach (var alert in call)
            {
                var firing = delivered.GetValueOrDefault(alert.Fingerprint);
                if (alert.Status == AlertStatus.Resolved)
                {
                    firing.Should().BeTrue("a resolve of {0} must follow a delivered firing", alert.RuleName);
                    delivered[alert.Fingerprint] = false;
                }
                else
                {
                    delivered[alert.Fingerprint] = true;
                }
            }
        }

        notifier.Delivered.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Resolved_IsSentOnlyAfterADeliveredFiring()
    {
        var notifier = new ScriptedNotifier();
        notifier.Then(_ => throw new AlertDeliveryException("bad request", isTransient: false));
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);
        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        await probe.NextAsync(DispatcherEvent.Skipped);

        notifier.Delivered.Should().BeEmpty("the receiver never saw the firing, so it is not told of the resolve");
        _meters.Sum(Instruments.NotificationsFailed, "test", "rejected").Should().Be(1);
        _meters.Sum(Instruments.NotificationsRetried, "test").Should().Be(0, "a rejection is not retried");
    }

    [Fact]
    public async Task ResolvedPerNotifier_FollowsWhatEachNotifierWasDelivered()
    {
        var healthy = new ScriptedNotifier("healthy");
        var broken = new ScriptedNotifier("broken") { Otherwise = _ => throw new AlertDeliveryException("forbidden", isTransient: false) };
        var (dispatcher, probe) = Create(null, healthy, broken);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        var events = new[] { await probe.NextAsync(), await probe.NextAsync() };
        events.Should().Contain(new DispatcherEvent("healthy", DispatcherEvent.Sent, TimeSpan.Zero))
            .And.Contain(new DispatcherEvent("broken", DispatcherEvent.Failed, TimeSpan.Zero));

        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        events = [await probe.NextAsync(), await probe.NextAsync()];
        events.Should().Contain(new DispatcherEvent("healthy", DispatcherEvent.Sent, TimeSpan.Zero))
            .And.Contain(new DispatcherEvent("broken", DispatcherEvent.Skipped, TimeSpan.Zero));

        healthy.Delivered.Select(c => c.Single().Status).Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        broken.Calls.Should().ContainSingle("the broken notifier is never sent the resolve of a firing it did not deliver");
    }

    [Fact]
    public async Task ReceiverDownThroughAnEpisode_ComesBack_GetsOneFiringAndOneResolved()
    {
        var notifier = new ScriptedNotifier();
        var down = true;
        notifier.Otherwise = _ => down ? throw new HttpRequestException("connection refused") : Task.CompletedTask;
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 2, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        for (var interval = 0; interval < 5; interval++)
        {
            var wait = await probe.NextAsync(DispatcherEvent.RetryWait);
            _time.Advance(wait.Delay);
            await probe.NextAsync(DispatcherEvent.Failed);
            dispatcher.Publish(Firing("HighCpu", Start)); // the engine may repeat itself: still one alert
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        down = false;
        var recovered = await probe.NextAsync();
        if (recovered.Kind == DispatcherEvent.RetryWait)
        {
            _time.Advance(recovered.Delay);
            recovered = await probe.NextAsync();
        }

        recovered.Kind.Should().Be(DispatcherEvent.Sent);
        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Delivered.Select(c => c.Single().Status).Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        _meters.Sum(Instruments.NotificationsFailed, "test", "exhausted").Should().Be(5);
        _meters.Sum(Instruments.NotificationsSent, "test").Should().Be(2);
    }

    [Fact]
    public async Task TransientFailures_AreRetriedWithBackoff_ThenDelivered()
    {
        var notifier = new ScriptedNotifier();
        notifier.ThenFail(2);
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 5, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        var first = await probe.NextAsync(DispatcherEvent.RetryWait);
        first.Delay.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.5)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1));
        _time.Advance(first.Delay - TimeSpan.FromMilliseconds(1));
        notifier.Calls.Should().HaveCount(1, "the backoff has not elapsed");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var second = await probe.NextAsync(DispatcherEvent.RetryWait);
        second.Delay.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(2), "the backoff doubles");
        _time.Advance(second.Delay);
        await probe.NextAsync(DispatcherEvent.Sent);

        notifier.Calls.Should().HaveCount(3);
        _meters.Sum(Instruments.NotificationsRetried, "test").Should().Be(2);
        _meters.Sum(Instruments.NotificationsSent, "test").Should().Be(1);
    }

    [Fact]
    public async Task RetryAfter_IsHonoured()
    {
        var notifier = new ScriptedNotifier();
        notifier.Then(_ => throw new AlertDeliveryException("busy", isTransient: true, retryAfter: TimeSpan.FromSeconds(90)));
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        var wait = await probe.NextAsync(DispatcherEvent.RetryWait);

        wait.Delay.Should().Be(TimeSpan.FromSeconds(90), "Retry-After is longer than the backoff cap (10 s)");
        _time.Advance(TimeSpan.FromSeconds(89));
        notifier.Calls.Should().HaveCount(1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await probe.NextAsync(DispatcherEvent.Sent);
    }

    [Fact]
    public async Task RetriesStop_AtMaxRetryAge()
    {
        var notifier = new ScriptedNotifier { Otherwise = _ => throw new AlertDeliveryException("busy", isTransient: true, retryAfter: TimeSpan.FromMinutes(3)) };
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 10, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);

        notifier.Calls.Should().HaveCount(1, "a retry 3 minutes later would exceed MaxRetryAge (2 minutes)");
        _meters.Sum(Instruments.NotificationsFailed, "test", "exhausted").Should().Be(1);
    }

    [Fact]
    public async Task RetryAfter_IsHonoured_AfterTheAttemptsRunOut()
    {
        var notifier = new ScriptedNotifier
        {
            Otherwise = _ => throw new AlertDeliveryException("busy", isTransient: true, retryAfter: TimeSpan.FromMinutes(12)),
        };
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 1, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);
        var failedAt = _time.GetUtcNow();

        // A group interval (5 min) later the receiver's Retry-After (12 min) has not run out: only the other group,
        // due at the same time and queued after it, goes out.
        notifier.Otherwise = ct => notifier.Calls.Last()[0].RuleName == "HighCpu"
            ? throw new AlertDeliveryException("busy", isTransient: true, retryAfter: TimeSpan.FromMinutes(12))
            : Task.CompletedTask;
        _time.Advance(TimeSpan.FromMinutes(4.5));
        dispatcher.Publish(Firing("Heartbeat", failedAt));
        dispatcher.Publish(Firing("HighCpu", Start, ("route", "/b")));   // a change of the failed group: not earlier either
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);
        notifier.Calls.Count(c => c[0].RuleName == "HighCpu").Should().Be(1);

        _time.Advance(failedAt + TimeSpan.FromMinutes(12) - _time.GetUtcNow());
        await probe.NextAsync(DispatcherEvent.Failed);
        notifier.Calls.Count(c => c[0].RuleName == "HighCpu").Should().Be(2);
    }

    [Fact]
    public async Task ASendThatHangs_IsCancelledAtTheSendTimeout_AndRetried()
    {
        var notifier = new ScriptedNotifier();
        notifier.Then(ct => Task.Delay(Timeout.InfiniteTimeSpan, ct));
        var (dispatcher, probe) = Create(null, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await notifier.NextCallAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        var wait = await probe.NextAsync(DispatcherEvent.RetryWait);
        _time.Advance(wait.Delay);
        var next = await probe.NextAsync();
        if (next.Kind == DispatcherEvent.AbandonedWait)
        {
            // The cancelled call may still be unwinding when the retry starts: the retry waits for it, briefly.
            next = await probe.NextAsync();
        }

        next.Kind.Should().Be(DispatcherEvent.Sent);
        notifier.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task ASendThatIgnoresItsToken_IsAbandonedAtTheSendTimeout_AndNotCalledAgainUntilItEnds()
    {
        var notifier = new ScriptedNotifier();
        var hang = new TaskCompletionSource();
        notifier.Then(_ => hang.Task);
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 4, notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await notifier.NextCallAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        var wait = await probe.NextAsync(DispatcherEvent.RetryWait);
        _meters.Sum(Instruments.NotificationsRetried, "test").Should().Be(1, "a timeout is a transient failure");
        _logs.Count(4505).Should().Be(1, "the abandoned call is logged");

        // The abandoned call still runs: the next attempt waits for it at most the send timeout, then fails without
        // starting a second outstanding call.
        _time.Advance(wait.Delay);
        await probe.NextAsync(DispatcherEvent.AbandonedWait);
        _time.Advance(TimeSpan.FromSeconds(10));
        wait = await probe.NextAsync(DispatcherEvent.RetryWait);
        notifier.Calls.Should().HaveCount(1);
        _meters.Sum(Instruments.NotificationsRetried, "test").Should().Be(2);

        hang.SetException(new InvalidOperationException("late failure of the abandoned call"));
        _time.Advance(wait.Delay);
        await probe.NextAsync(DispatcherEvent.Sent);
        notifier.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task DeadReceiver_OutboxStaysBounded_DropsTheOldest_MeteredAndLoggedOncePerBurst()
    {
        var notifier = new ScriptedNotifier();
        var hang = new TaskCompletionSource();
        notifier.Then(_ => hang.Task);
        var (dispatcher, probe) = Create(o => { o.QueueCapacity = 2; o.GroupWait = TimeSpan.FromSeconds(1); o.SendTimeout = TimeSpan.FromHours(1); }, notifier);
        await using var _ = dispatcher;

        for (var i = 0; i < 10; i++)
        {
            dispatcher.Publish(Firing($"Rule{i}", Start));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        await notifier.NextCallAsync();
        for (var i = 10; i < 1010; i++)
        {
            dispatcher.Publish(Firing($"Rule{i}", Start));
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        _meters.Sum(Instruments.NotificationQueueDepth, "test").Should().Be(2, "the outbox holds at most QueueCapacity groups");
        _meters.Sum(Instruments.NotificationsDropped, "test").Should().Be(8 + 999, "10 groups met a 2-slot outbox, then 1000 met one free slot");
        _logs.Count(4502).Should().Be(1, "a burst of drops is logged once");
        dispatcher.Publish(null!); // never throws
        hang.SetResult();
        await probe.NextAsync(DispatcherEvent.Dropped);
    }

    [Fact]
    public async Task DeadReceiver_ManyEpisodes_StateStaysBoundedByTheLiveAlerts()
    {
        var notifier = new ScriptedNotifier { Otherwise = _ => throw new HttpRequestException("connection refused") };
        var (dispatcher, probe) = Create(o => { o.MaxAttempts = 1; o.GroupWait = TimeSpan.FromSeconds(1); o.GroupInterval = TimeSpan.FromSeconds(10); o.RepeatInterval = TimeSpan.FromMinutes(1); }, notifier);
        await using var _ = dispatcher;

        for (var episode = 0; episode < 50; episode++)
        {
            for (var rule = 0; rule < 10; rule++)
            {
                dispatcher.Publish(Firing($"Rule{rule}", _time.GetUtcNow(), ("episode", "any")));
            }

            _time.Advance(TimeSpan.FromSeconds(10));
            for (var failed = 0; failed < 10; failed++)
            {
                await probe.NextAsync(DispatcherEvent.Failed);
            }

            dispatcher.StateOf("test").Alerts.Should().Be(10, "one track per live alert, whatever the episode");
            for (var rule = 0; rule < 10; rule++)
            {
                dispatcher.Publish(Resolved($"Rule{rule}", _time.GetUtcNow(), _time.GetUtcNow(), ("episode", "any")));
            }

            _time.Advance(TimeSpan.FromSeconds(10));
            for (var skipped = 0; skipped < 10; skipped++)
            {
                await probe.NextAsync(DispatcherEvent.Skipped);
            }
        }

        dispatcher.StateOf("test").Should().Be((0, 0, 0), "resolved alerts whose firing was never delivered leave nothing behind");
        notifier.Delivered.Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_NeverThrows_EvenWhenANotifierThrowsSynchronously_OrAfterDispose()
    {
        var notifier = new ScriptedNotifier { Otherwise = _ => throw new InvalidOperationException("bug in a notifier") };
        var (dispatcher, probe) = Create(o => o.MaxAttempts = 1, notifier);

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);
        await dispatcher.DisposeAsync();
        dispatcher.Dispose();

        var publish = () => dispatcher.Publish(Firing("Other", Start));
        publish.Should().NotThrow();
    }

    [Fact]
    public void Constructor_RejectsDuplicateNotifierNames_AndInvalidOptions()
    {
        var twice = () => new NotificationDispatcher([new ScriptedNotifier("a"), new ScriptedNotifier("a")], new NotificationDispatcherOptions());
        twice.Should().Throw<ArgumentException>().WithMessage("*'a'*");
        var invalid = () => new NotificationDispatcher([], new NotificationDispatcherOptions { QueueCapacity = 0 });
        invalid.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*NotificationDispatcherOptions.QueueCapacity*");
    }
}
