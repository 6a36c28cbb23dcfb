using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Health;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddPerfKitMonitoring_Twice_RegistersOnceAndAppliesBothConfigures()
    {
        var builder = Host.CreateApplicationBuilder();
        var time = new FakeTimeProvider();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddPerfKitMonitoring(o => o.MaxSeriesPerInstrument = 7);
        builder.Services.AddPerfKitMonitoring(o => o.AlertHistoryCapacity = 9);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var options = host.Services.GetRequiredService<IOptions<MonitoringOptions>>().Value;
        options.MaxSeriesPerInstrument.Should().Be(7);
        options.AlertHistoryCapacity.Should().Be(9);
        host.Services.GetServices<IHostedService>().Should().ContainSingle();
        host.Services.GetServices<IValidateOptions<MonitoringOptions>>().Should().ContainSingle();
        host.Services.GetRequiredService<MetricsMonitor>().Should().BeSameAs(host.Services.GetRequiredService<MetricsMonitor>());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ABadRule_FailsAtHostStart_NamingTheRuleAndTheField()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMonitoring(o => o.Rules.Add(new AlertRuleOptions
        {
            Name = "high-latency",
            Metric = "http.server.request.duration",
            Window = TimeSpan.Zero,
        }));
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*MonitoringOptions.Rules[high-latency].Window: must be greater than 0; it is 00:00:00.*");
    }

    [Fact]
    public async Task AnUnknownAggregationInConfiguration_FailsAtHostStart_NamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PerfKit:Monitoring:Interval"] = "00:00:05",
            ["PerfKit:Monitoring:Rules:0:Name"] = "slow-orders",
            ["PerfKit:Monitoring:Rules:0:Metric"] = "http.server.request.duration",
            ["PerfKit:Monitoring:Rules:0:Tags:http.route"] = "/orders/{id}",
            ["PerfKit:Monitoring:Rules:0:Aggregation"] = "P99",
            ["PerfKit:Monitoring:Rules:0:Threshold"] = "0.5",
            ["PerfKit:Monitoring:Rules:0:ClearThreshold"] = "0.4",
            ["PerfKit:Monitoring:Rules:0:For"] = "00:01:00",
            ["PerfKit:Monitoring:Rules:0:Severity"] = "Critical",
            ["PerfKit:Monitoring:Rules:1:Name"] = "gc-leak",
            ["PerfKit:Monitoring:Rules:1:Kind"] = "Trend",
            ["PerfKit:Monitoring:Rules:1:Threshold"] = "52428800",
            ["PerfKit:Monitoring:Rules:1:Aggregation"] = "P42",
        });
        builder.Services.AddPerfKitMonitoring(builder.Configuration.GetSection("PerfKit:Monitoring"));
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        // "P42" does not bind to the enum: the binder itself throws at start, naming the path by index (not the rule)
        // and the value, in the words the README quotes.
        var message = (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message;
        message.Should().Be("PerfKit:Monitoring: Failed to convert configuration value 'P42' at 'PerfKit:Monitoring:Rules:1:Aggregation' to type 'PerfKit.Monitoring.Alerting.AlertAggregation'.");
        var readme = File.ReadAllText(Path.Combine(PerfKit.TestUtilities.DocumentationSnippets.RepositoryRoot, "src/PerfKit.Monitoring/README.md"));
        System.Text.RegularExpressions.Regex.Replace(readme, @"\s+", " ").Should().Contain(message);
    }

    [Fact]
    public async Task AMisspelledKeyInConfiguration_FailsAtHostStart_NamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PerfKit:Monitoring:Rules:0:Name"] = "checkout-errors",
            ["PerfKit:Monitoring:Rules:0:Metric"] = "shop.checkout.errors",
            ["PerfKit:Monitoring:Rules:0:Meter"] = "Shop",
            ["PerfKit:Monitoring:Rules:0:Treshold"] = "0",
        });
        builder.Services.AddPerfKitMonitoring(builder.Configuration.GetSection("PerfKit:Monitoring"));
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("PerfKit:Monitoring: 'ErrorOnUnknownConfiguration' was set*AlertRuleOptions*'Treshold'*");
    }

    [Fact]
    public void TheNotifiersSectionsBesideTheOptions_AreNotUnknownKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PerfKit:Monitoring:Interval"] = "00:00:01",
            ["PerfKit:Monitoring:Notifications:GroupWait"] = "00:00:10",
            ["PerfKit:Monitoring:Webhooks:ops:Url"] = "http://127.0.0.1:9/alerts",
            ["PerfKit:Monitoring:Email:Host"] = "127.0.0.1",
        }).Build();
        var services = new ServiceCollection();
        services.AddPerfKitMonitoring(configuration.GetSection("PerfKit:Monitoring"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<MonitoringOptions>>().Value.Interval.Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AnEmptyWindowInConfiguration_FailsAtHostStart_NamingTheRuleAndTheField()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PerfKit:Monitoring:Rules:0:Name"] = "checkout-errors",
            ["PerfKit:Monitoring:Rules:0:Metric"] = "shop.checkout.errors",
            ["PerfKit:Monitoring:Rules:0:Meter"] = "Shop",
            ["PerfKit:Monitoring:Meters:0"] = "Shop",
            ["PerfKit:Monitoring:Rules:0:Window"] = "",
            ["PerfKit:Monitoring:Rules:0:Summary"] = "",
        });
        builder.Services.AddPerfKitMonitoring(builder.Configuration.GetSection("PerfKit:Monitoring"));
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        var failure = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().ContainSingle().Which.Should().EndWith("MonitoringOptions.Rules[checkout-errors].Window: is empty; give a value or remove the key for the default.");
    }

    [Fact]
    public void RulesFromConfiguration_AreBound()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rules:0:Name"] = "slow-orders",
            ["Rules:0:Metric"] = "http.server.request.duration",
            ["Rules:0:Tags:http.route"] = "/orders/{id}",
            ["Rules:0:Aggregation"] = "P99",
            ["Rules:0:Threshold"] = "0.5",
            ["Rules:0:ClearThreshold"] = "0.4",
            ["Rules:0:For"] = "00:01:00",
            ["Rules:0:Severity"] = "Critical",
            ["Rules:1:Name"] = "gc-leak",
            ["Rules:1:Kind"] = "Trend",
            ["Rules:1:Threshold"] = "52428800",
            ["Meters:0"] = "MyApp",
        }).Build();
        var services = new ServiceCollection();
        services.AddPerfKitMonitoring(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MonitoringOptions>>().Value;

        options.Rules.Should().HaveCount(2);
        var slow = options.Rules[0];
        slow.Tags.Should().Contain("http.route", "/orders/{id}");
        slow.Aggregation.Should().Be(AlertAggregation.P99);
        slow.ClearThreshold.Should().Be(0.4);
        slow.For.Should().Be(TimeSpan.FromMinutes(1));
        slow.Severity.Should().Be(AlertSeverity.Critical);
        options.Rules[1].Kind.Should().Be(AlertRuleKind.Trend);
        options.Meters.Should().Contain(["System.Runtime", "MyApp"]);
    }

    [Fact]
    public async Task Sinks_HealthChecks_AndTheMonitor_WorkTogetherThroughDI()
    {
        using var meter = new System.Diagnostics.Metrics.Meter("Test." + Guid.NewGuid().ToString("N"));
        var time = new FakeTimeProvider();
        var sink = new RecordingSink();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IAlertSink>(sink);
        builder.Services.AddPerfKitMonitoring(o =>
        {
            o.Meters.Add(meter.Name);
            o.Rules.Add(new AlertRuleOptions { Name = "down", Meter = meter.Name, Metric = "up", Aggregation = AlertAggregation.Last, Comparison = AlertComparison.LessThan, Threshold = 1, Severity = AlertSeverity.Critical, Window = TimeSpan.FromSeconds(10) });
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var up = meter.CreateGauge<int>("up");
        var check = host.Services.GetRequiredService<CriticalAlertsHealthCheck>();
        var context = new HealthCheckContext();

        up.Record(0);
        time.Advance(TimeSpan.FromSeconds(10));

        sink.Statuses.Should().Equal(AlertStatus.Firing);
        (await check.CheckHealthAsync(context, TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Unhealthy);
        up.Record(1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await check.CheckHealthAsync(context, TestContext.Current.CancellationToken)).Status.Should().Be(HealthStatus.Healthy);
        sink.Statuses.Should().Equal(AlertStatus.Firing, AlertStatus.Resolved);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
