// The quick start of src/PerfKit.Caching.AspNetCore/README.md, compiled (and run by ReadmeTests) so the docs cannot rot.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Caching.AspNetCore.Tests;

internal static class ReadmeQuickStart
{
    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDistributedMemoryCache();   // the L2; Redis in production, with PerfKit.Caching.Redis's backplane
        builder.Services.AddOutputCache();
        builder.Services.AddPerfKitCaching().AsOutputCacheStore();
        var app = builder.Build();
        app.UseOutputCache();
        var renders = 0;
        app.MapGet("/price", () => $"render {Interlocked.Increment(ref renders)}").CacheOutput(p => p.Tag("prices"));
        app.MapPost("/prices/changed", (IOutputCacheStore store, CancellationToken ct) => store.EvictByTagAsync("prices", ct));
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Console.WriteLine(await http.GetStringAsync("/price"));   // render 1
        Console.WriteLine(await http.GetStringAsync("/price"));   // render 1, served from PerfKit's cache
        await http.PostAsync("/prices/changed", null);
        Console.WriteLine(await http.GetStringAsync("/price"));   // render 2
        await app.StopAsync();
    }
}
