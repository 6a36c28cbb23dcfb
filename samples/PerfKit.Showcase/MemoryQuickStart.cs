// The code of src/PerfKit.Memory/README.md's quick start, compiled here so the docs cannot rot
// (a test checks that every C# block of the README stands in this file).
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PerfKit.Memory;
using PerfKit.Memory.Resources;

namespace PerfKit.Showcase;

internal static class MemoryQuickStart
{
    public static async Task RunAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o =>
            {
                o.BudgetFraction = 0.8;          // 80% of the container limit (or of available memory)
                o.UsageSource = MemoryUsageSource.WorkingSet;
            })
            .AddLazyResource<SpellModel>((sp, ct) => new ValueTask<SpellModel>(SpellModel.LoadAsync(ct)), o => o.IdleTimeout = TimeSpan.FromMinutes(5))
            .AddBoundedArrayPool(o => o.MaxRetainedBytes = 32 * 1024 * 1024);
        using var host = builder.Build();
        await host.StartAsync();

        // Anywhere: take a lease on the heavy resource; it loads once, and unloads when idle or under pressure.
        var model = host.Services.GetRequiredService<LazyResource<SpellModel>>();
        using (var lease = await model.AcquireAsync())
        {
            Console.WriteLine(lease.Value.Suggest("pressur"));
        }

        // React to pressure, or shrink on demand to a target and see what each step freed.
        var budget = host.Services.GetRequiredService<IMemoryBudget>();
        using var subscription = budget.OnPressureChanged(c => Console.WriteLine($"pressure {c.Previous} -> {c.Current}"));
        ReclaimReport report = await budget.ReclaimAsync(targetBytes: 150 * 1024 * 1024);
        Console.WriteLine(report);
        await host.StopAsync();
    }
}

/// <summary>A stand-in for a heavy resource: a big word list.</summary>
public sealed class SpellModel
{
    private readonly string[] _words;

    private SpellModel(string[] words) => _words = words;

    public static async Task<SpellModel> LoadAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // a real model reads a file here
        return new SpellModel([.. Enumerable.Range(0, 200_000).Select(i => "pressure" + i)]);
    }

    public string Suggest(string prefix) => _words.FirstOrDefault(w => w.StartsWith(prefix, StringComparison.Ordinal)) ?? prefix;
}
