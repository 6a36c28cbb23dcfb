using BenchmarkDotNet.Running;
using PerfKit.Benchmarks.Caching;
using PerfKit.Benchmarks.Guard;

// `--guard` runs the regression guard (quick, in-process, ratios against peers, compared with guard-baseline.json);
// anything else goes to BenchmarkDotNet's switcher, for example `--filter *ArrayPool*`.
if (args.Length > 0 && args[0] == "--guard")
{
    return RegressionGuard.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "--guard-child")
{
    return InterleavedRunner.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "--http")
{
    return await PerfKit.Benchmarks.Testing.HttpLoadComparison.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "--scheduler-lag")
{
    return await PerfKit.Benchmarks.Testing.SchedulerLag.RunAsync();
}

if (args.Length > 0 && args[0] == "--resident-users")
{
    return PerfKit.Benchmarks.Testing.ResidentUsers.Run();
}

if (args.Length > 1 && args[0] == "--resident-users-child")
{
    return await PerfKit.Benchmarks.Testing.ResidentUsers.RunChildAsync(args[1]);
}

if (args.Length > 0 && args[0] == "--batching")
{
    return await BatchingComparison.RunAsync(args[1..]);
}

if (args.Length > 1 && args[0] == "--pipeline-memory")
{
    return await PerfKit.Benchmarks.Streaming.PipelineMemoryScaling.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "--hit-ratio")
{
    return HitRatio.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
