using System.Diagnostics;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace PerfKit.Benchmarks.Guard;

/// <summary>
/// The guard's measuring engine, run in a child process of its own for one benchmark class (<c>--guard-child Class</c>):
/// the class's [GlobalSetup], a warm-up long enough for tiered compilation and PGO to reach their final code, then many
/// short rounds in which every member runs one batch, the members' order rotating from round to round. Neighbouring
/// batches of one round see the same machine, so the per-round ratio of two members cancels most of the load of a
/// shared machine; the parent takes the median of those ratios. Each member's loop is compiled on its own (a call
/// site per member, so profile-guided inlining cannot favour one side), and allocation is counted exactly around a
/// batch. A member that throws ends the child with exit code 3 and the exception: no retry forgives it.
/// </summary>
internal static class InterleavedRunner
{
    public const string ResultPrefix = "GUARD-RESULT ";

    /// <summary>
    /// <c>Class.Method</c> whose loop does 50% more work (the method runs once more on every second iteration): the
    /// calibrated 1.5× slowdown of <c>guard-selftest.sh</c>. It lives in the harness only; the library is untouched.
    /// </summary>
    public const string SlowdownVariable = "PERFKIT_GUARD_SLOWDOWN";

    public static int Run(string[] args)
    {
        var className = args[0];
        var members = (CommandLine.Option(args, "--members") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var batchMs = CommandLine.Option(args, "--batch-ms") is { } b ? double.Parse(b, CultureInfo.InvariantCulture) : 0.25;
        var measureMs = CommandLine.Option(args, "--measure-ms") is { } m ? double.Parse(m, CultureInfo.InvariantCulture) : 1500;
        var warmupMs = CommandLine.Option(args, "--warmup-ms") is { } w ? double.Parse(w, CultureInfo.InvariantCulture) : 800;
        var slowdown = Environment.GetEnvironmentVariable(SlowdownVariable);

        var type = typeof(InterleavedRunner).Assembly.GetTypes().Single(t => t.Name == className);
        var instance = Activator.CreateInstance(type)!;
        try
        {
            foreach (var setup in type.GetMethods().Where(x => x.GetCustomAttribute<GlobalSetupAttribute>() is not null))
            {
                setup.Invoke(instance, null);
            }

            var loops = members.Select(name =>
            {
                var method = type.GetMethod(name) ?? throw new InvalidOperationException($"{className}.{name} does not exist.");
                var attribute = method.GetCustomAttribute<BenchmarkAttribute>() ?? throw new InvalidOperationException($"{className}.{name} is not a [Benchmark].");
                return new MemberLoop(name, Compile(instance, method, slowdown == $"{className}.{name}"), attribute.OperationsPerInvoke, IsAsync(method));
            }).ToArray();

            var result = Measure(loops, batchMs, warmupMs, measureMs);
            Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
            return 0;
        }
        catch (Exception e)
        {
            var inner = e is TargetInvocationException { InnerException: { } i } ? i : e;
            Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(new ChildResult { Error = $"{className}: {inner.GetType().Name}: {inner.Message}" }));
            return 3;
        }
        finally
        {
            foreach (var cleanup in type.GetMethods().Where(x => x.GetCustomAttribute<GlobalCleanupAttribute>() is not null))
            {
                cleanup.Invoke(instance, null);
            }
        }
    }

    private static ChildResult Measure(MemberLoop[] loops, double batchMs, double warmupMs, double measureMs)
    {
        // Warm-up: alternate batches, growing to the batch time, for at least the warm-up time and until every member's
        // time per operation has settled (the last three passes within 10%) and the JIT has been quiet. Tiered
        // compilation promotes a method after 30 calls and a quiet period (twice with PGO: instrumented, then
        // optimized) on a background thread that a loaded machine delays, so a fixed warm-up can end with one side
        // still in tier-0 code (seen: a cache hit at 83 ns instead of 12 ns). The parent sets the call-counting
        // delay to 0 so promotion is not postponed by the 100 ms quiet period either.
        var warmup = Stopwatch.StartNew();
        var sizes = loops.Select(_ => 1).ToArray();
        var history = loops.Select(_ => new List<double>()).ToArray();
        bool Settled() => history.All(h => h.Count >= 3 && h[^3..].Max() <= 1.1 * h[^3..].Min());

        // The JIT's own count of compiled methods (tier-1 rejits included) says when tiering has finished: the warm-up
        // ends only after 300 ms without a new compilation (at most 10 warm-up times).
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = warmup.Elapsed;
        bool JitQuiet()
        {
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != jitted)
            {
                jitted = now;
                quietSince = warmup.Elapsed;
            }

            return (warmup.Elapsed - quietSince).TotalMilliseconds >= 300;
        }

        while (warmup.Elapsed.TotalMilliseconds < 10 * warmupMs && (warmup.Elapsed.TotalMilliseconds < warmupMs | !JitQuiet() | !Settled()))
        {
            for (var i = 0; i < loops.Length; i++)
            {
                var ns = Time(loops[i], sizes[i]);
                history[i].Add(ns / sizes[i]);
                sizes[i] = Math.Max(1, (int)Math.Min(10_000_000, sizes[i] * Math.Clamp(batchMs * 1e6 / Math.Max(ns, 1), 0.5, 4)));
            }
        }

        // Every member's batch is the same length of its own work: sized from its fastest time per call (final
        // code, not preempted). A preemption then costs both sides of a ratio the same per batch, so
        // the per-round ratio keeps the work's ratio even when most batches are preempted; batches sized from their
        // last (noisy) wall time had unequal lengths, and a loaded machine biased the ratio (a miss ratio of 2.3
        // read 3.7-4.4 at a load average of 18 on 2 cores).
        // The fastest of 15 calibration rounds run after the warm-up (the warm-up's own figures can predate the final
        // tier) sets the size; these rounds are not recorded.
        var fastest = loops.Select(_ => double.MaxValue).ToArray();
        for (var r = 0; r < 15; r++)
        {
            for (var i = 0; i < loops.Length; i++)
            {
                fastest[i] = Math.Min(fastest[i], Time(loops[i], sizes[i]) / sizes[i]);
            }
        }

        for (var i = 0; i < loops.Length; i++)
        {
            sizes[i] = (int)Math.Clamp(Math.Round(batchMs * 1e6 / Math.Max(fastest[i], 1)), 1, 10_000_000);
        }

        // Rounds until the measuring time has passed (at least 9, at most 1,001), every member once per round, the
        // order rotating so that no member always follows the same one.
        var times = loops.Select(_ => new List<double>()).ToArray();
        var measure = Stopwatch.StartNew();
        var rounds = 0;
        while (rounds < 1001 && (rounds < 9 || measure.Elapsed.TotalMilliseconds < measureMs || rounds % 2 == 0))
        {
            for (var k = 0; k < loops.Length; k++)
            {
                var i = (rounds + k) % loops.Length;
                times[i].Add(Time(loops[i], sizes[i]) / ((double)sizes[i] * loops[i].OperationsPerInvoke));
            }

            rounds++;
        }

        var result = new ChildResult { Rounds = rounds };
        for (var i = 0; i < loops.Length; i++)
        {
            result.Members[loops[i].Name] = new MemberResult { Nanoseconds = [.. times[i]], Allocated = Allocated(loops[i], sizes[i]), BatchSize = sizes[i] };
        }

        return result;
    }

    private static double Time(MemberLoop loop, int n)
    {
        var start = Stopwatch.GetTimestamp();
        loop.Run(n);
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    /// <summary>Bytes per operation, exact for synchronous members (this thread's counter); process-wide for asynchronous ones.</summary>
    private static long Allocated(MemberLoop loop, int n)
    {
        var invocations = Math.Max(n, loop.Async ? 1 : 1000);
        loop.Run(Math.Max(1, invocations / 10));
        var before = loop.Async ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        loop.Run(invocations);
        var after = loop.Async ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        return (long)Math.Round((after - before) / ((double)invocations * loop.OperationsPerInvoke));
    }

    private static bool IsAsync(MethodInfo method) => typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType.Name.StartsWith("ValueTask", StringComparison.Ordinal);

    /// <summary>
    /// <c>for (i = 0; i &lt; n; i++) Sink&lt;T&gt;.Value = instance.Method();</c> (awaited when it returns a task), compiled
    /// for this member alone. With <paramref name="slower"/>, every second iteration calls the method once more.
    /// </summary>
    private static Action<int> Compile(object instance, MethodInfo method, bool slower)
    {
        var n = Expression.Parameter(typeof(int), "n");
        var i = Expression.Variable(typeof(int), "i");
        Expression call = Expression.Call(Expression.Constant(instance), method);
        if (typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType.Name.StartsWith("ValueTask", StringComparison.Ordinal))
        {
            var awaiter = Expression.Call(call, method.ReturnType.GetMethod("GetAwaiter")!);
            call = Expression.Call(awaiter, awaiter.Type.GetMethod("GetResult")!);
        }

        var store = call.Type == typeof(void)
            ? call
            : Expression.Assign(Expression.Field(null, typeof(Sink<>).MakeGenericType(call.Type).GetField(nameof(Sink<int>.Value))!), call);
        var breakLabel = Expression.Label("done");
        var body = Expression.Block(
            [i],
            Expression.Assign(i, Expression.Constant(0)),
            Expression.Loop(
                Expression.IfThenElse(
                    Expression.LessThan(i, n),
                    Expression.Block(
                        store,
                        slower ? Expression.IfThen(Expression.Equal(Expression.And(i, Expression.Constant(1)), Expression.Constant(0)), store) : Expression.Empty(),
                        Expression.PostIncrementAssign(i)),
                    Expression.Break(breakLabel)),
                breakLabel));
        return Expression.Lambda<Action<int>>(body, n).Compile();
    }

    private sealed record MemberLoop(string Name, Action<int> Run, int OperationsPerInvoke, bool Async);

    private static class Sink<T>
    {
#pragma warning disable CA2211, CS0649 // The compiled loop stores each result here (the compiler cannot see it), so that the JIT cannot drop the call.
        public static T? Value;
#pragma warning restore CA2211, CS0649
    }
}

/// <summary>One child's figures: per member, the time per operation of every round, and the bytes per operation.</summary>
internal sealed class ChildResult
{
    public string? Error { get; set; }

    public int Rounds { get; set; }

    public Dictionary<string, MemberResult> Members { get; set; } = [];
}

/// <summary>One member's figures in one child.</summary>
internal sealed class MemberResult
{
    public double[] Nanoseconds { get; set; } = [];

    public long Allocated { get; set; }

    public int BatchSize { get; set; }
}
