using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Email.Internal;
using PerfKit.Monitoring.Internal;
using PerfKit.Monitoring.Notifications;
using PerfKit.Monitoring.Tests.Notifications;
using static PerfKit.Monitoring.Tests.Notifications.NotificationTestKit;
using Instruments = PerfKit.Monitoring.PerfKitMonitoringDiagnostics.Instruments;

namespace PerfKit.Monitoring.Email.Tests;

public sealed class EmailNotifierTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(Start);
    private readonly TestMeters _meters = new();
    private readonly SmtpTestServer _server = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _meters.Dispose();
    }

    private EmailNotifierOptions Options(Action<EmailNotifierOptions>? configure = null)
    {
        var options = new EmailNotifierOptions
        {
            Host = "127.0.0.1",
            Port = _server.Port,
            Security = EmailSecurity.None,
            From = "\"PerfKit alerts\" <alerts@example.test>",
            To = ["ops@example.test", "oncall@example.test"],
        };
        configure?.Invoke(options);
        return options;
    }

    private EmailNotifier Notifier(Action<EmailNotifierOptions>? configure = null) =>
        new(Options(configure), new PerfKitMonitoringDependencies { TimeProvider = _time });

    private (NotificationDispatcher Dispatcher, DispatcherProbe Probe) Dispatch(IAlertNotifier notifier, Action<NotificationDispatcherOptions>? configure = null)
    {
        var dispatcher = new NotificationDispatcher([notifier], NotificationTestKit.Options(configure), new PerfKitMonitoringDependencies { TimeProvider = _time, MeterFactory = _meters });
        return (dispatcher, new DispatcherProbe(dispatcher));
    }

    [Fact]
    public async Task AGroup_IsOneEmail_WithSubjectAndBothBodies()
    {
        _server.Start();
        var (dispatcher, probe) = Dispatch(Notifier());
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/a")));
        dispatcher.Publish(Firing("HighLatency", Start, ("route", "/b")));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Sent);
        var message = await _server.NextAsync();

        _server.Received.Should().Be(1, "one email per group");
        message.Subject.Should().Be("[FIRING] HighLatency (2)");
        message.From.Mailboxes.Single().Address.Should().Be("alerts@example.test");
        message.To.Mailboxes.Select(m => m.Address).Should().Equal("ops@example.test", "oncall@example.test");
        message.TextBody.Should().Contain("[FIRING] HighLatency").And.Contain("label route = /a").And.Contain("label route = /b")
            .And.Contain("summary: HighLatency is high").And.Contain(Firing("HighLatency", Start, ("route", "/a")).Fingerprint);
        message.HtmlBody.Should().Contain("<h3>[FIRING] HighLatency</h3>").And.Contain("HighLatency is high");
    }

    [Fact]
    public async Task Resolved_HasAResolvedSubject_AndCustomTemplate()
    {
        _server.Start();
        var notifier = Notifier(o => o.SubjectTemplate = "{severity}: {alertname} is {status}");

        await notifier.SendAsync([Resolved("HighCpu", Start, Start.AddMinutes(5))], CancellationToken.None);
        var message = await _server.NextAsync();

        message.Subject.Should().Be("warning: HighCpu is RESOLVED");
        message.TextBody.Should().Contain("[RESOLVED] HighCpu").And.Contain("to 2026-01-01 12:05:00 UTC");
    }

    [Fact]
    public async Task HtmlBody_EncodesLabelValues()
    {
        _server.Start();
        var notifier = Notifier();

        await notifier.SendAsync([Firing("Xss", Start, ("route", "<script>"))], CancellationToken.None);
        var message = await _server.NextAsync();

        message.HtmlBody.Should().Contain("&lt;script&gt;").And.NotContain("<script>");
    }

    [Fact]
    public async Task Credentials_AreUsed_WhenTheServerRequiresThem()
    {
        await using var server = new SmtpTestServer { RequiredCredentials = ("alerts", "s3cret-password") };
        server.Start();
        var notifier = new EmailNotifier(Options(o => { o.Port = server.Port; o.UserName = "alerts"; o.Password = "s3cret-password"; }));

        await notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None);

        (await server.NextAsync()).Subject.Should().Be("[FIRING] HighCpu (1)");
    }

    [Fact]
    public async Task WrongCredentials_AreAPermanentFailure_WithoutThePassword()
    {
        await using var server = new SmtpTestServer { RequiredCredentials = ("alerts", "right-password") };
        server.Start();
        var notifier = new EmailNotifier(Options(o => { o.Port = server.Port; o.UserName = "alerts"; o.Password = "wrong-password"; }));

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(() => notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None));

        failure.IsTransient.Should().BeFalse();
        failure.ToString().Should().NotContain("wrong-password");
    }

    [Fact]
    public async Task RefusedCredentials_AreNotTriedAgainAtEveryGroupInterval_ButAfterTheRetryDelay()
    {
        await using var server = new SmtpTestServer { RequiredCredentials = ("alerts", "right-password") };
        server.Start();
        var notifier = new EmailNotifier(Options(o => { o.Port = server.Port; o.UserName = "alerts"; o.Password = "wrong-password"; }), new PerfKitMonitoringDependencies { TimeProvider = _time });
        var (dispatcher, probe) = Dispatch(notifier);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);
        var perSend = server.AuthenticationAttempts; // MailKit may try each mechanism the server offers
        perSend.Should().BePositive();

        // Six group intervals (5 min each): six failed deliveries, no further AUTH.
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await probe.NextAsync(DispatcherEvent.Failed);
        }

        server.AuthenticationAttempts.Should().Be(perSend, "refused credentials are not tried again within the retry delay");
        _meters.Sum(Instruments.NotificationsFailed, "email", "rejected").Should().Be(7);
        _meters.Sum(Instruments.NotificationsRetried, "email").Should().Be(0);

        // After the retry delay, one more AUTH.
        _time.Advance(EmailNotifier.CredentialsRetryDelay);
        await probe.NextAsync(DispatcherEvent.Failed);
        server.AuthenticationAttempts.Should().Be(2 * perSend);
    }

    [Fact]
    public async Task ARejectedRecipient_IsAPermanentFailure_NotRetried()
    {
        await using var server = new SmtpTestServer { RejectRecipients = true };
        server.Start();
        var (dispatcher, probe) = Dispatch(new EmailNotifier(Options(o => o.Port = server.Port), new PerfKitMonitoringDependencies { TimeProvider = _time }));
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        await probe.NextAsync(DispatcherEvent.Failed);

        _meters.Sum(Instruments.NotificationsFailed, "email", "rejected").Should().Be(1);
        _meters.Sum(Instruments.NotificationsRetried, "email").Should().Be(0);
        server.Received.Should().Be(0);
    }

    [Fact]
    public async Task StartTlsRequired_ButNotOffered_IsAPermanentFailure()
    {
        _server.Start();
        var notifier = Notifier(o => o.Security = EmailSecurity.StartTls);

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(() => notifier.SendAsync([Firing("HighCpu", Start)], CancellationToken.None));

        failure.IsTransient.Should().BeFalse("a server without STARTTLS will not grow it on a retry");
        _server.Received.Should().Be(0);
    }

    [Fact]
    public async Task ServerDown_IsRetried_ThenAMeteredFailure_ThenRecoveryDelivers()
    {
        var (dispatcher, probe) = Dispatch(Notifier(), o => o.MaxAttempts = 3);
        await using var _ = dispatcher;

        dispatcher.Publish(Firing("HighCpu", Start));
        _time.Advance(TimeSpan.FromSeconds(30));
        _time.Advance((await probe.NextAsync(DispatcherEvent.RetryWait)).Delay);
        _time.Advance((await probe.NextAsync(DispatcherEvent.RetryWait)).Delay);
        await probe.NextAsync(DispatcherEvent.Failed);
        _meters.Sum(Instruments.NotificationsRetried, "email").Should().Be(2);
        _meters.Sum(Instruments.NotificationsFailed, "email", "exhausted").Should().Be(1);

        _server.Start();
        _time.Advance(TimeSpan.FromMinutes(5)); // the failed group is tried again at its next group interval
        await probe.NextAsync(DispatcherEvent.Sent);
        (await _server.NextAsync()).Subject.Should().Be("[FIRING] HighCpu (1)");
        dispatcher.Publish(Resolved("HighCpu", Start, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        await probe.NextAsync(DispatcherEvent.Sent);
        (await _server.NextAsync()).Subject.Should().Be("[RESOLVED] HighCpu (1)");

        _server.Received.Should().Be(2, "one firing and one resolved for the episode, however long the server was down");
        _meters.Sum(Instruments.NotificationsSent, "email").Should().Be(2);
    }

    [Fact]
    public void Options_AreValidated_NamingTheOption_WithoutThePassword()
    {
        var bad = new EmailNotifierOptions { Host = " ", Port = 0, Security = (EmailSecurity)42, UserName = "u", From = "not an address", To = ["ok@example.test", "bad"], Timeout = TimeSpan.Zero, SubjectTemplate = "" };
        var failures = new EmailNotifierOptionsValidator().Validate(null, bad).Failures!.ToList();

        failures.Should().HaveCount(8);
        foreach (var property in new[] { "Host", "Port", "Security", "UserName", "From", "To[1]", "Timeout", "SubjectTemplate" })
        {
            failures.Should().Contain(f => f.Contains($"EmailNotifierOptions.{property}"), "a failure names {0}", property);
        }

        var withPassword = Options(o => { o.UserName = "alerts"; o.Password = "hunter2-password"; });
        withPassword.ToString().Should().NotContain("hunter2-password").And.Contain("password set");
        new EmailNotifierOptionsValidator().Validate(null, withPassword).Succeeded.Should().BeTrue();
        new EmailNotifierOptionsValidator().Validate(null, Options(o => o.Password = "hunter2-password")).Failures.Should().ContainSingle()
            .Which.Should().NotContain("hunter2-password");
    }

    [Fact]
    public void CredentialsWithSecurityNone_AreRefused_ToAHostThatIsNotLoopback()
    {
        var validator = new EmailNotifierOptionsValidator();
        void Credentials(EmailNotifierOptions o)
        {
            o.UserName = "alerts";
            o.Password = "clear-text-password";
        }

        var failure = validator.Validate(null, Options(o => { Credentials(o); o.Host = "smtp.example.test"; })).Failures.Should().ContainSingle().Subject;
        failure.Should().Contain("EmailNotifierOptions.Security: is None").And.Contain("smtp.example.test").And.NotContain("clear-text-password");
        foreach (var host in new[] { "127.0.0.1", "localhost", "::1", "[::1]" })
        {
            validator.Validate(null, Options(o => { Credentials(o); o.Host = host; })).Succeeded.Should().BeTrue(host);
        }

        validator.Validate(null, Options(o => { Credentials(o); o.Host = "smtp.example.test"; o.Security = EmailSecurity.StartTls; })).Succeeded.Should().BeTrue();
        validator.Validate(null, Options(o => o.Host = "smtp.example.test")).Succeeded.Should().BeTrue("without credentials there is no password to leak");
    }

    [Fact]
    public async Task AMisspelledEmailKey_FailsAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:Host"] = "smtp.example.test",
            ["Email:From"] = "alerts@example.test",
            ["Email:To:0"] = "ops@example.test",
            ["Email:Pasword"] = "x",
        }).Build();
        var services = new ServiceCollection();
        new TestBuilder(services).AddEmailNotifier("mail", configuration.GetSection("Email"));
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetServices<IAlertNotifier>().ToList();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'Pasword'*");
    }

    [Fact]
    public async Task AddEmailNotifier_Twice_OneNotifier_BothConfigures_BadOptionsFailAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:Host"] = "smtp.example.test",
            ["Email:Port"] = "465",
            ["Email:Security"] = "SslOnConnect",
            ["Email:From"] = "alerts@example.test",
            ["Email:To:0"] = "ops@example.test",
        }).Build();
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);
        builder.AddEmailNotifier("mail", configuration.GetSection("Email"));
        builder.AddEmailNotifier("mail", o => o.SubjectTemplate = "{alertname}");
        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetServices<IAlertNotifier>().Should().ContainSingle().Which.Name.Should().Be("mail");
            var options = provider.GetRequiredService<IOptionsMonitor<EmailNotifierOptions>>().Get(PerfKitMonitoringEmailServiceCollectionExtensions.EmailNotifierOptionsNameFor("mail"));
            options.Should().BeEquivalentTo(new { Port = 465, Security = EmailSecurity.SslOnConnect, SubjectTemplate = "{alertname}", Name = "mail" });
            provider.GetServices<IAlertSink>().Should().ContainSingle();
        }

        var hostBuilder = Host.CreateApplicationBuilder();
        hostBuilder.Logging.ClearProviders();
        new TestBuilder(hostBuilder.Services).AddEmailNotifier(o => { o.Host = "smtp.example.test"; o.From = "alerts@example.test"; o.UserName = "u"; o.Password = "pw-never-printed"; });
        using var host = hostBuilder.Build();
        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("EmailNotifierOptions.To").And.NotContain("pw-never-printed");
    }

    private sealed class TestBuilder(IServiceCollection services) : IPerfKitMonitoringBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
