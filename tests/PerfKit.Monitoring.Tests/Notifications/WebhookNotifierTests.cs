using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;
using static PerfKit.Monitoring.Tests.Notifications.NotificationTestKit;
using Instruments = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Instruments;

namespace PerfKit.Monitoring.Tests.Notifications;

public sealed class WebhookNotifierTests : IAsyncLifetime
{
    private const string Secret = "a-secret-of-at-least-16-chars";
    private readonly FakeTimeProvider _time = new(Start);
    private readonly TestMeters _meters = new();
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _meters.Dispose();
    }

    private WebhookNotifier Notifier(Action<WebhookNotifierOptions>? configure = null)
    {
        var options = new WebhookNotifierOptions { Url = _receiver.Url, Secret = Secret, ExternalUrl = "https://status.example.test/" };
        configure?.Invoke(options);
        return new WebhookNotifier(options, new PerfKitMonitoringDependencies { TimeProvider = _time });
    }

    private (NotificationDispatcher Dispatcher, DispatcherProbe Probe) Dispatch(IAlertNotifier notifier, Action<NotificationDispatcherOptions>? configure = null)
    {
        var dispatcher = new NotificationDispatcher([notifier], Options(configure), new PerfKitMonitoringDependencies { TimeProvider = _time, MeterFactory = _meters });
        return (dispatcher, new DispatcherProbe(dispatcher));
    }

    [Fact]
    public async Task Body_IsAlertmanagerWebhookJson()
    {
        await using var notifier = Notifier(o => o.Receiver = "ops");
        var (dispatcher, probe) = Dispatch(notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/a")));
        dispatcher.Publish(Firing("HighLatency", Start.AddSeconds(1), ("route", "/b")));
        _time.Advance(TimeSpan.FromSeconds(30));
        var received = await _receiver.NextAsync();
        await probe.NextAsync(DispatcherEvent.Sent);

        received.ContentType.Should().StartWith("application/json");
        using var json = JsonDocument.Parse(received.Body);
        var root = json.RootElement;
        root.GetProperty("version").GetString().Should().Be("4");
        root.GetProperty("groupKey").GetString().Should().Be("{}:{alertname=\"HighLatency\"}");
        root.GetProperty("truncatedAlerts").GetInt32().Should().Be(0);
        root.GetProperty("status").GetString().Should().Be("firing");
        root.GetProperty("receiver").GetString().Should().Be("ops");
        root.GetProperty("groupLabels").GetProperty("alertname").GetString().Should().Be("HighLatency");
        root.GetProperty("commonLabels").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["alertname", "severity"]);
        root.GetProperty("commonAnnotations").GetProperty("summary").GetString().Should().Be("HighLatency is high");
        root.GetProperty("externalURL").GetString().Should().Be("https://status.example.test/");
        var alerts = root.GetProperty("alerts").EnumerateArray().ToArray();
        alerts.Should().HaveCount(2);
        var first = alerts[0];
        first.GetProperty("status").GetString().Should().Be("firing");
        first.GetProperty("labels").GetProperty("route").GetString().Should().Be("/a");
        first.GetProperty("annotations").GetProperty("summary").GetString().Should().Be("HighLatency is high");
        first.GetProperty("startsAt").GetDateTimeOffset().Should().Be(Start);
        first.GetProperty("endsAt").GetString().Should().Be("0001-01-01T00:00:00Z");
        first.GetProperty("generatorURL").ValueKind.Should().Be(JsonValueKind.String);
        first.GetProperty("fingerprint").GetString().Should().Be(Firing("HighLatency", Start, ("route", "/a")).Fingerprint).And.MatchRegex("^[0-9a-f]{16}$");
    }

    [Fact]
    public async Task Resolved_HasResolvedStatusAndEndsAt()
    {
        await using var notifier = Notifier();
        var group = new AlertGroup("{}:{alertname=\"HighCpu\"}", new Dictionary<string, string> { ["alertname"] = "HighCpu" }, [Resolved("HighCpu", Start, Start.AddMinutes(7))]);

        await notifier.SendAsync(group, CancellationToken.None);
        var received = await _receiver.NextAsync();

        using var json = JsonDocument.Parse(received.Body);
        json.RootElement.GetProperty("status").GetString().Should().Be("resolved");
        var alert = json.RootElement.GetProperty("alerts")[0];
        alert.GetProperty("status").GetString().Should().Be("resolved");
        alert.GetProperty("endsAt").GetDateTimeOffset().Should().Be(Start.AddMinutes(7));
    }

    [Fact]
    public async Task MaxAlerts_TruncatesAndCounts()
    {
        await using var notifier = Notifier(o => o.MaxAlerts = 1);

        await notifier.SendAsync([Firing("R", Start, ("i", "1")), Firing("R", Start, ("i", "2")), Firing("R", Start, ("i", "3"))], CancellationToken.None);
        var received = await _receiver.NextAsync();

        using var json = JsonDocument.Parse(received.Body);
        json.RootElement.GetProperty("alerts").GetArrayLength().Should().Be(1);
        json.RootElement.GetProperty("truncatedAlerts").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Signature_VerifiesWithTheSecret_OverTimestampAndBody()
    {
        await using var notifier = Notifier();

        await notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None);
        var received = await _receiver.NextAsync();

        var timestamp = received.Headers[WebhookNotifier.TimestampHeader];
        timestamp.Should().Be(Start.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var signed = Encoding.ASCII.GetBytes(timestamp + ".").Concat(received.Body).ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));
        received.Headers[WebhookNotifier.SignatureHeader].Should().Be(expected);
        var forged = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("another-secret-of-16-chars"), signed));
        received.Headers[WebhookNotifier.SignatureHeader].Should().NotBe(forged);
    }

    [Fact]
    public async Task WithoutSecret_NoSignatureHeaders()
    {
        await using var notifier = Notifier(o => o.Secret = null);

        await notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None);
        var received = await _receiver.NextAsync();

        received.Headers.Should().NotContainKey(WebhookNotifier.SignatureHeader).And.NotContainKey(WebhookNotifier.TimestampHeader);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    public async Task ErrorAnswers_AreTransientOnlyFor5xx408And429(int status, bool transient)
    {
        await using var notifier = Notifier();
        _receiver.ThenStatus(status);

        var send = () => notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None);

        (await send.Should().ThrowAsync<AlertDeliveryException>()).Which.IsTransient.Should().Be(transient);
    }

    [Fact]
    public async Task RetryAfter_InSecondsOrAsADate_IsReported()
    {
        await using var notifier = Notifier();
        _receiver.ThenStatus(503, retryAfter: "120");
        _receiver.ThenStatus(429, retryAfter: Start.AddMinutes(3).ToString("R"));

        var seconds = await Assert.ThrowsAsync<AlertDeliveryException>(() => notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None));
        var date = await Assert.ThrowsAsync<AlertDeliveryException>(() => notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None));

        seconds.RetryAfter.Should().Be(TimeSpan.FromSeconds(120));
        date.RetryAfter.Should().Be(TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task RetryAfter_IsHonouredByTheDispatcher()
    {
        await using var notifier = Notifier();
        _receiver.ThenStatus(503, retryAfter: "120");
        var (dispatcher, probe) = Dispatch(notifier, o => o.MaxRetryAge = TimeSpan.FromMinutes(10));
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        var wait = await probe.NextAsync(DispatcherEvent.RetryWait);
        wait.Delay.Should().Be(TimeSpan.FromSeconds(120));
        _time.Advance(TimeSpan.FromSeconds(119));
        _receiver.All.Should().HaveCount(1);
        _time.Advance(TimeSpan.FromSeconds(1));
        await probe.NextAsync(DispatcherEvent.Sent);

        _receiver.All.Should().HaveCount(2);
    }

    [Fact]
    public async Task Answers500_AreRetried_ThenDeliveredWhenTheReceiverRecovers()
    {
        await using var notifier = Notifier();
        _receiver.ThenStatus(500, times: 2);
        var (dispatcher, probe) = Dispatch(notifier, o => o.MaxAttempts = 5);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        _time.Advance((await probe.NextAsync(DispatcherEvent.RetryWait)).Delay);
        _time.Advance((await probe.NextAsync(DispatcherEvent.RetryWait)).Delay);
        await probe.NextAsync(DispatcherEvent.Sent);

        _receiver.All.Should().HaveCount(3);
        _receiver.All.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("alerts")[0].GetProperty("fingerprint").GetString()).Distinct().Should().ContainSingle();
        _meters.Sum(Instruments.NotificationsRetried, "webhook").Should().Be(2);
        _meters.Sum(Instruments.NotificationsSent, "webhook").Should().Be(1);
    }

    [Fact]
    public async Task ReceiverDownWhenTheAlertResolves_ComesBack_ReceivesOneResolved_NoStorm()
    {
        await using var notifier = Notifier();
        var (dispatcher, probe) = Dispatch(notifier, o => o.MaxAttempts = 2);
        await using var _ = dispatcher;
        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);

        _receiver.Otherwise = c =>
        {
            c.Response.StatusCode = 503;
            return Task.CompletedTask;
        };
        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        for (var interval = 0; interval < 3; interval++)
        {
            _time.Advance((await probe.NextAsync(DispatcherEvent.RetryWait)).Delay);
            await probe.NextAsync(DispatcherEvent.Failed);
            dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow())); // a duplicate resolve changes nothing
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        _receiver.Otherwise = static _ => Task.CompletedTask;
        var next = await probe.NextAsync();
        if (next.Kind == DispatcherEvent.RetryWait)
        {
            _time.Advance(next.Delay);
            next = await probe.NextAsync();
        }

        next.Kind.Should().Be(DispatcherEvent.Sent);
        _time.Advance(TimeSpan.FromHours(5));
        probe.TryRead(out var extra).Should().BeFalse("the episode is over (got {0})", extra);
        var statuses = _receiver.All.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("status").GetString()).ToList();
        statuses.Should().StartWith("firing").And.EndWith("resolved");
        statuses.Skip(1).Should().AllBe("resolved", "only the resolve was retried while the receiver was down");
        _meters.Sum(Instruments.NotificationsSent, "webhook").Should().Be(2, "one firing and one resolved reached the receiver");
    }

    [Fact]
    public async Task ARejection_IsNotRetried_AndIsAMeteredFailure()
    {
        await using var notifier = Notifier();
        _receiver.ThenStatus(400);
        var (dispatcher, probe) = Dispatch(notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);

        _receiver.All.Should().HaveCount(1);
        _meters.Sum(Instruments.NotificationsFailed, "webhook", "rejected").Should().Be(1);
    }

    [Fact]
    public async Task AReceiverThatHangs_TimesOut_AsATransientFailure()
    {
        await using var notifier = Notifier(o => o.Timeout = TimeSpan.FromSeconds(5));
        _receiver.Then(c => Task.Delay(Timeout.InfiniteTimeSpan, c.RequestAborted));

        var send = notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None);
        await _receiver.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(5));

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(() => send).WithTimeout();
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("did not answer");
    }

    [Fact]
    public async Task DeadReceiver_OutboxBounded_DropsMetered_NoExceptionIntoTheCaller()
    {
        await using var notifier = Notifier();
        _receiver.Otherwise = c =>
        {
            c.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var (dispatcher, probe) = Dispatch(notifier, o => { o.QueueCapacity = 3; o.MaxAttempts = 1; o.GroupWait = TimeSpan.FromSeconds(1); });
        await using var _ = dispatcher;

        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < 50; i++)
            {
                var publish = () => dispatcher.Publish(Firing($"Rule{round}-{i}", Start));
                publish.Should().NotThrow();
            }

            _time.Advance(TimeSpan.FromSeconds(1));
            for (var failed = 0; failed < 3;)
            {
                var next = await probe.NextAsync();
                next.Kind.Should().BeOneOf(DispatcherEvent.Dropped, DispatcherEvent.Failed);
                failed += next.Kind == DispatcherEvent.Failed ? 1 : 0;
            }
        }

        _meters.Sum(Instruments.NotificationsDropped, "webhook").Should().Be(4 * 47);
        _meters.Sum(Instruments.NotificationsFailed, "webhook", "exhausted").Should().Be(4 * 3);
        _meters.Sum(Instruments.NotificationQueueDepth, "webhook").Should().Be(0);
        _receiver.All.Should().HaveCount(12, "only what the outbox held was attempted");
    }

    [Fact]
    public void Options_AreValidated_NamingTheOption_WithoutPrintingTheSecret()
    {
        var bad = new WebhookNotifierOptions { Url = "ftp://x/", Secret = "short-secret", ExternalUrl = "relative", Timeout = TimeSpan.Zero, MaxAlerts = -1, Name = " " };
        var failures = new WebhookNotifierOptionsValidator().Validate(null, bad).Failures!.ToList();

        failures.Should().HaveCount(6);
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.Url") && f.Contains("'ftp'"));
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.Secret") && f.Contains("it has 12"));
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.ExternalUrl"));
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.Timeout"));
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.MaxAlerts"));
        failures.Should().Contain(f => f.Contains("WebhookNotifierOptions.Name"));
        failures.Should().NotContain(f => f.Contains("short-secret"));
        new WebhookNotifierOptionsValidator().Validate(null, new WebhookNotifierOptions()).Failures.Should().ContainSingle().Which.Should().Contain("WebhookNotifierOptions.Url");
        var construct = () => new WebhookNotifier(bad);
        construct.Should().Throw<OptionsValidationException>();
    }

    [Fact]
    public void ToString_DoesNotPrintTheSecretNorThePath()
    {
        var options = new WebhookNotifierOptions { Url = "https://hooks.example.test/services/T0/B0/token123", Secret = Secret };
        options.ToString().Should().NotContain(Secret).And.NotContain("token123").And.Contain("hooks.example.test");
    }
}
