using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PerfKit.Memory.Pooling;
using PerfKit.Memory.Resources;

namespace PerfKit.Memory.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddPerfKitMemory_StartsTheMonitor_AndRegistersLazyResourcesAndPoolsAsResponders()
    {
        var probe = new FakeMemoryProbe(usage: 100L << 20);
        var time = new FakeTimeProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IMemoryProbe>(probe);
        builder.Services.AddPerfKitMemory(o =>
            {
                o.BudgetBytes = 1000L << 20;
                o.AutomaticReclaim = false;
            })
            .AddLazyResource<Table>((_, _) => ValueTask.FromResult(new Table()))
            .AddBoundedArrayPool(o => o.Name = "io");
        builder.Services.AddPerfKitMemory();
        using var host = builder.Build();

        await host.StartAsync(TestContext.Current.CancellationToken);
        var budget = host.Services.GetRequiredService<IMemoryBudget>();
        var table = host.Services.GetRequiredService<LazyResource<Table>>();
        using (await table.AcquireAsync(TestContext.Current.CancellationToken))
        {
        }

        probe.Usage = 900L << 20;
        time.Advance(TimeSpan.FromSeconds(1));
        budget.Level.Should().Be(MemoryPressureLevel.High);
        var report = await budget.ReclaimAsync(500L << 20, TestContext.Current.CancellationToken);

        report.Steps.Select(s => s.Name).Should().ContainInOrder("io", "Table");
        table.IsLoaded.Should().BeFalse();
        host.Services.GetServices<IHostedService>().Should().ContainSingle();
        host.Services.GetRequiredService<BoundedArrayPool<byte>>().Name.Should().Be("io");
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddPerfKitMemory_WithBadOptions_FailsAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o => o.BudgetFraction = 1.5);
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*BudgetFraction*");
    }

    [Fact]
    public async Task AddPerfKitMemory_WithAnUndefinedUsageSourceInConfiguration_FailsAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["PerfKit:Memory:UsageSource"] = "42";
        builder.Services.AddPerfKitMemory(builder.Configuration.GetSection("PerfKit:Memory"));
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*MemoryBudgetOptions.UsageSource: must be one of*; it is 42.*");
    }

    [Fact]
    public void AddPerfKitMemory_BindsAConfigurationSection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["PerfKit:Memory:BudgetBytes"] = "123456789";
        builder.Configuration["PerfKit:Memory:UsageSource"] = "ManagedHeap";
        builder.Services.AddPerfKitMemory(builder.Configuration.GetSection("PerfKit:Memory"));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<MemoryBudgetOptions>>().Value;

        options.BudgetBytes.Should().Be(123456789);
        options.UsageSource.Should().Be(MemoryUsageSource.ManagedHeap);
        host.Services.GetRequiredService<IMemoryBudget>().BudgetBytes.Should().Be(123456789);
    }

    [Fact]
    public async Task ServiceProvider_DisposedSynchronously_DisposesAResolvedLazyResource()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddSingleton<IMemoryProbe>(new FakeMemoryProbe(usage: 100L << 20));
        services.AddPerfKitMemory(o => o.BudgetBytes = 1000L << 20).AddLazyResource<DisposableTable>((_, _) => ValueTask.FromResult(new DisposableTable()));
        var provider = services.BuildServiceProvider();
        var resource = provider.GetRequiredService<LazyResource<DisposableTable>>();
        DisposableTable table;
        using (var lease = await resource.AcquireAsync(TestContext.Current.CancellationToken))
        {
            table = lease.Value;
        }

        provider.Invoking(p => p.Dispose()).Should().NotThrow();
        table.Disposed.Should().BeTrue();
    }

    [Fact]
    public async Task AddPerfKitMemory_Twice_RegistersOnce_AndAppliesBothConfigures()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IMemoryProbe>(new FakeMemoryProbe(usage: 100L << 20));
        builder.Services.AddPerfKitMemory(o => o.BudgetBytes = 1000L << 20);
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false);
        using var host = builder.Build();

        await host.StartAsync(TestContext.Current.CancellationToken);

        var options = host.Services.GetRequiredService<IOptions<MemoryBudgetOptions>>().Value;
        options.BudgetBytes.Should().Be(1000L << 20);
        options.AutomaticReclaim.Should().BeFalse();
        host.Services.GetServices<MemoryBudget>().Should().ContainSingle();
        host.Services.GetServices<IHostedService>().Should().ContainSingle();
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddBoundedArrayPool_Named_RegistersAKeyedPoolPerName_WithItsOwnOptions_BesideTheDefault()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false)
            .AddBoundedArrayPool()
            .AddBoundedArrayPool("io", o => o.MaxArrayLength = 4096)
            .AddBoundedArrayPool("json", o => o.MaxArrayLength = 1 << 16)
            .AddBoundedArrayPool("io", o => o.MaxArraysPerBucket = 8);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var io = host.Services.GetRequiredKeyedService<BoundedArrayPool<byte>>("io");
        var json = host.Services.GetRequiredKeyedService<BoundedArrayPool<byte>>("json");
        var unnamed = host.Services.GetRequiredService<BoundedArrayPool<byte>>();

        io.Name.Should().Be("io", "a named pool is named after its key unless configured otherwise");
        io.MaxArrayLength.Should().Be(4096);
        host.Services.GetRequiredService<IOptionsMonitor<BoundedArrayPoolOptions>>().Get(PerfKitMemoryServiceCollectionExtensions.BoundedArrayPoolOptionsNameFor("io"))
            .MaxArraysPerBucket.Should().Be(8, "a repeated registration adds its configure to the same named options");
        json.MaxArrayLength.Should().Be(1 << 16);
        unnamed.Name.Should().Be("arrays");
        new[] { io, json, unnamed }.Should().OnlyHaveUniqueItems();
        host.Services.GetRequiredKeyedService<BoundedArrayPool<byte>>("io").Should().BeSameAs(io);
        host.Services.GetServices<IMemoryPressureResponder>().OfType<BoundedArrayPool<byte>>().Should().HaveCount(3).And.Contain(io).And.Contain(json).And.Contain(unnamed);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddBoundedArrayPool_Named_WithBadOptions_FailsAtHostStart_NamingTheOption()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false).AddBoundedArrayPool("io", o => o.MaxRetainedBytes = -1);
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*BoundedArrayPoolOptions.MaxRetainedBytes: must be at least 0; it is -1.*");
    }

    [Fact]
    public async Task AddBoundedArrayPool_WithBadOptions_FailsAtHostStart_BeforeThePoolIsResolved()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false).AddBoundedArrayPool(o =>
        {
            o.MaxArrayLength = 1;
            o.MaxArraysPerBucket = 0;
        });
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        var failure = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().HaveCount(2);
        failure.Message.Should().Contain("BoundedArrayPoolOptions.MaxArrayLength: must be between 16 and 1073741824; it is 1.").And.Contain("BoundedArrayPoolOptions.MaxArraysPerBucket: must be between 1 and 4096; it is 0.");
    }

    [Fact]
    public async Task AddLazyResource_WithBadOptions_FailsAtHostStart_WithEveryError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPerfKitMemory(o => o.AutomaticReclaim = false).AddLazyResource<Table>((_, _) => ValueTask.FromResult(new Table()), o =>
        {
            o.EstimatedSizeBytes = -1;
            o.IdleTimeout = TimeSpan.FromSeconds(-5);
        });
        using var host = builder.Build();

        var act = () => host.StartAsync(TestContext.Current.CancellationToken);

        var failure = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Message.Should().Contain("EstimatedSizeBytes: must be at least 0").And.Contain("LazyResourceOptions.IdleTimeout");
    }

    [Fact]
    public void AddBoundedArrayPool_Twice_AppliesBothConfigures()
    {
        var services = new ServiceCollection();
        services.AddPerfKitMemory().AddBoundedArrayPool(o => o.Name = "first").AddBoundedArrayPool(o => o.Name = "second");
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<BoundedArrayPool<byte>>().Name.Should().Be("second");
        provider.GetServices<BoundedArrayPool<byte>>().Should().ContainSingle();
        provider.GetServices<IMemoryPressureResponder>().Should().ContainSingle();
    }

    [Fact]
    public async Task AddLazyResource_Twice_IsHarmless_ConfiguresAddUp_AndTheLastFactoryIsUsed()
    {
        var services = new ServiceCollection();
        services.AddPerfKitMemory()
            .AddLazyResource<Named>((_, _) => ValueTask.FromResult(new Named("first")), o => o.Name = "table")
            .AddLazyResource<Named>((_, _) => ValueTask.FromResult(new Named("second")), o => o.EstimatedSizeBytes = 4096);
        await using var provider = services.BuildServiceProvider();

        var resource = provider.GetRequiredService<LazyResource<Named>>();
        using var lease = await resource.AcquireAsync(TestContext.Current.CancellationToken);

        resource.Name.Should().Be("table");
        lease.Value.Value.Should().Be("second");
        provider.GetServices<LazyResource<Named>>().Should().ContainSingle();
        provider.GetServices<IMemoryPressureResponder>().Should().ContainSingle();
        provider.GetRequiredService<IOptionsMonitor<LazyResourceOptions>>()
            .Get(PerfKitMemoryServiceCollectionExtensions.LazyResourceOptionsName<Named>()).EstimatedSizeBytes.Should().Be(4096);
    }

    private sealed record Named(string Value);

    private sealed class DisposableTable : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class Table;
}
