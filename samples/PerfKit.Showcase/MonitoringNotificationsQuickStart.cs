// The code of the "Notifications" quick start of src/PerfKit.Monitoring/README.md, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file or in MonitoringQuickStart.cs; the
// package-consumption check also builds and runs it from the packed packages).
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Showcase;

internal static class MonitoringNotificationsQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        // Your alert endpoint, played here by an HttpListener on a free local port.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/alerts/";
        probe.Stop();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add(url);
        receiver.Start();

        var secret = "change-me-to-a-long-random-secret";   // from a secret store in a real app
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddPerfKitMonitoring(o =>
            {
                o.Interval = TimeSpan.FromSeconds(1);
                o.Meters.Add("Shop");
                o.Rules.Add(new AlertRuleOptions
                {
                    Name = "checkout-errors",
                    Meter = "Shop",
                    Metric = "shop.checkout.errors",
                    Aggregation = AlertAggregation.Sum,   // errors in the last minute (the default window)
                    Threshold = 0,                         // fires at the first error
                });
            })
            .AddNotifications(o => o.GroupWait = TimeSpan.Zero)   // default 30 s: alerts raised together arrive together
            .AddWebhookNotifier("ops", o =>
            {
                o.Url = url;
                o.Secret = secret;
            })
            .AddLoggingNotifier();
        using var host = builder.Build();
        await host.StartAsync();

        using var meter = new Meter("Shop");
        meter.CreateCounter<long>("shop.checkout.errors").Add(1);

        // The receiver's side: check the signature over the raw body, then answer 2xx.
        var context = await receiver.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        byte[] signedBytes = [.. Encoding.UTF8.GetBytes($"{context.Request.Headers["X-PerfKit-Timestamp"]}."), .. body.ToArray()];
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signedBytes));
        var signed = CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(context.Request.Headers["X-PerfKit-Signature"] ?? ""));
        context.Response.StatusCode = signed ? 200 : 401;
        context.Response.Close();
        using var payload = JsonDocument.Parse(body.ToArray());
        Console.WriteLine($"webhook: {payload.RootElement.GetProperty("status")} {payload.RootElement.GetProperty("groupLabels")}, signature {(signed ? "valid" : "not valid")}");
        await host.StopAsync();
    }
}

// The README's custom notifier ("Your own channel").
public sealed class ConsoleNotifier : IAlertNotifier
{
    public string Name => "console";

    // The signature is IAlertNotifier's: the dispatcher passes an AlertGroup, cast it for the key and labels.
    public Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken)
    {
        var group = (AlertGroup)notifications;
        Console.WriteLine($"{group.Status} {group.Key} ({group.Labels["alertname"]}): {group.Count} alert(s)");
        foreach (var alert in group)
        {
            Console.WriteLine($"  {alert.Status} {alert.RuleName} since {alert.StartsAt:O}, fingerprint {alert.Fingerprint}");
        }

        // Not delivered? Throw: new AlertDeliveryException("why", isTransient: false) is not retried.
        return Task.CompletedTask;
    }
}
