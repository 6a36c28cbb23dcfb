// The code of src/PerfKit.Monitoring/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file).
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Monitoring;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Showcase;

internal static class MonitoringQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // Rules from appsettings.json (the "PerfKit:Monitoring" section below), and one more in code: both add up.
        builder.Services.AddPerfKitMonitoring(builder.Configuration.GetSection("PerfKit:Monitoring"));
        builder.Services.AddPerfKitMonitoring(o =>
        {
            o.Interval = TimeSpan.FromSeconds(1);    // evaluate every second (default 10 s)
            o.Meters.Add("Shop");                    // your own meter, beside the runtime's, ASP.NET Core's, HttpClient's, PerfKit's
            o.Rules.Add(new AlertRuleOptions
            {
                Name = "slow-checkout",
                Meter = "Shop",
                Metric = "shop.checkout.duration",
                Aggregation = AlertAggregation.P99,
                Window = TimeSpan.FromSeconds(5),
                Threshold = 0.25,                    // seconds: fires above 250 ms...
                ClearThreshold = 0.2,                // ...resolves below 200 ms
                Severity = AlertSeverity.Critical,
            });
        });
        builder.Services.AddSingleton<IAlertSink, ConsoleAlertSink>();
        using var host = builder.Build();
        await host.StartAsync();

        // Your code records as usual; the monitor listens. 2% of these checkouts take 400 ms.
        using var meter = new Meter("Shop");
        var checkout = meter.CreateHistogram<double>("shop.checkout.duration", "s");
        for (var i = 0; i < 500; i++)
        {
            checkout.Record(i % 50 == 0 ? 0.4 : 0.05);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // one evaluation tick

        var snapshot = host.Services.GetRequiredService<MetricsMonitor>().GetSnapshot();
        var series = snapshot.Series.Single(s => s.Instrument == "shop.checkout.duration");
        Console.WriteLine($"p99 {series.P99:0.000} s over {series.Count} checkouts, {snapshot.ActiveAlerts.Count} active alert(s)");
        Console.WriteLine(snapshot.ToJson().Length > 0 ? "snapshot serialised" : "");
        await host.StopAsync();
    }
}

// Receives each alert's Firing and Resolved transitions (PerfKit.Monitoring's notifiers do the same, with delivery).
public sealed class ConsoleAlertSink : IAlertSink
{
    public void Publish(AlertNotification notification) =>
        Console.WriteLine($"{notification.Status}: {notification.RuleName} {notification.Annotations["description"]}");
}
