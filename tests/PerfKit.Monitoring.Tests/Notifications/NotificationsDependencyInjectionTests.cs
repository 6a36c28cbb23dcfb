using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Notifications;
using static PerfKit.Monitoring.Tests.Notifications.NotificationTestKit;

namespace PerfKit.Monitoring.Tests.Notifications;

public sealed class NotificationsDependencyInjectionTests
{
    /// <summary>The builder <c>AddPerfKitMonitoring</c> returns, made here so these tests do not depend on it.</summary>
    private sealed class TestBuilder(IServiceCollection services) : IPerfKitMonitoringBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    private sealed class CustomNotifier : IAlertNotifier
    {
        public string Name => "custom";

        public Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task AddWebhookNotifier_Twice_RegistersOneNotifierAndAppliesBothConfigures()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);
        builder.AddWebhookNotifier("ops", o => o.Url = "http://127.0.0.1:1/hook");
        builder.AddWebhookNotifier("ops", o => o.MaxAlerts = 7);
        builder.AddNotifications(o => o.GroupWait = TimeSpan.FromSeconds(5));
        builder.AddNotifications(o => o.QueueCapacity = 9);

        await using var provider = services.BuildServiceProvider();
        var notifiers = provider.GetServices<IAlertNotifier>().ToList();
        notifiers.Should().ContainSingle().Which.Name.Should().Be("ops");
        var options = provider.GetRequiredService<IOptionsMonitor<WebhookNotifierOptions>>().Get(PerfKitMonitoringNotificationsExtensions.WebhookNotifierOptionsNameFor("ops"));
        options.Url.Should().Be("http://127.0.0.1:1/hook");
        options.MaxAlerts.Should().Be(7);
        var dispatcherOptions = provider.GetRequiredService<IOptions<NotificationDispatcherOptions>>().Value;
        dispatcherOptions.GroupWait.Should().Be(TimeSpan.FromSeconds(5));
        dispatcherOptions.QueueCapacity.Should().Be(9);
        provider.GetServices<IAlertSink>().Should().ContainSingle().Which.Should().BeSameAs(provider.GetRequiredService<NotificationDispatcher>());
    }

    [Fact]
    public async Task Notifiers_ByNameAndType_AllReachTheDispatcher()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);
        builder.AddWebhookNotifier("ops", o => o.Url = "http://127.0.0.1:1/ops");
        builder.AddWebhookNotifier("dev", o => o.Url = "http://127.0.0.1:1/dev");
        builder.AddLoggingNotifier().AddLoggingNotifier();
        builder.AddNotifier<CustomNotifier>().AddNotifier<CustomNotifier>();

        await using var provider = services.BuildServiceProvider();
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();
        dispatcher.NotifierNames.Should().BeEquivalentTo(["ops", "dev", "logging", "custom"]);
    }

    [Fact]
    public async Task AddWebhookNotifier_FromConfiguration_Binds()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Webhook:Url"] = "https://alerts.example.test/hook",
            ["Webhook:Secret"] = "0123456789abcdef0123",
            ["Webhook:Timeout"] = "00:00:03",
            ["Notifications:GroupBy:0"] = "service",
            ["Notifications:RepeatInterval"] = "02:00:00",
        }).Build();
        var services = new ServiceCollection();
        new TestBuilder(services)
            .AddWebhookNotifier("ops", configuration.GetSection("Webhook"))
            .AddNotifications(configuration.GetSection("Notifications"));

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<WebhookNotifierOptions>>().Get(PerfKitMonitoringNotificationsExtensions.WebhookNotifierOptionsNameFor("ops"));
        options.Should().BeEquivalentTo(new { Name = "ops", Url = "https://alerts.example.test/hook", Secret = "0123456789abcdef0123", Timeout = TimeSpan.FromSeconds(3) });
        var dispatcherOptions = provider.GetRequiredService<IOptions<NotificationDispatcherOptions>>().Value;
        dispatcherOptions.GroupBy.Should().Equal("service");
        dispatcherOptions.RepeatInterval.Should().Be(TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task BadWebhookOptions_FailAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        new TestBuilder(builder.Services).AddWebhookNotifier("ops", o => { o.Url = "not a url"; o.Secret = "tiny"; });
        using var host = builder.Build();

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Message.Should().Contain("WebhookNotifierOptions.Url (webhook 'ops')").And.Contain("WebhookNotifierOptions.Secret (webhook 'ops')").And.NotContain("tiny");
    }

    [Fact]
    public async Task BadDispatcherOptions_FailAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        new TestBuilder(builder.Services).AddNotifications(o => o.MaxAttempts = 0);
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("NotificationDispatcherOptions.MaxAttempts");
    }

    [Fact]
    public async Task LoggingNotifier_WritesFiringAndResolved()
    {
        var logs = new RecordingLoggerFactory();
        var notifier = new LoggingNotifier(new PerfKitMonitoringDependencies { LoggerFactory = logs });

        await notifier.SendAsync([Firing("HighCpu", Start), Resolved("HighCpu", Start, Start.AddMinutes(1))], CancellationToken.None);

        logs.Entries.Select(e => (e.Id.Id, e.Level)).Should().Equal((4510, LogLevel.Warning), (4511, LogLevel.Information));
        logs.Entries.First().Message.Should().Contain("HighCpu").And.Contain(Firing("HighCpu", Start).Fingerprint);
    }
}
