// The code of src/PerfKit.Monitoring.Email/README.md's quick start, compiled here so the docs cannot rot
// (ReadmeTests checks that every C# block of the README stands in this file, and runs it; the package-consumption
// check also builds and runs it from the packed packages).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Monitoring.Email;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Samples;   // outside PerfKit.Monitoring.Email, so its usings are needed here as in a user's program

internal static class EmailReadmeSamples
{
    public static async Task<IReadOnlyList<string>> QuickStartAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddPerfKitMonitoring(builder.Configuration.GetSection("PerfKit:Monitoring"))   // your rules
            .AddEmailNotifier(o =>
            {
                o.Host = "smtp.example.com";
                o.Port = 587;
                o.Security = EmailSecurity.StartTls;
                o.UserName = builder.Configuration["Smtp:UserName"];   // both from a secret store, never in appsettings.json
                o.Password = builder.Configuration["Smtp:Password"];   // (or neither, for a relay that needs no login)
                o.From = "\"Shop alerts\" <alerts@example.com>";
                o.To = ["oncall@example.com"];
            });
        using var host = builder.Build();
        await host.StartAsync();   // bad email options fail here, each failure naming its option
        var dispatcher = host.Services.GetRequiredService<NotificationDispatcher>();
        Console.WriteLine($"alerts are emailed by: {string.Join(", ", dispatcher.NotifierNames)}");
        await host.StopAsync();
        return dispatcher.NotifierNames;
    }
}
