using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace PerfKit.Shared;

/// <summary>
/// One instrument set per <see cref="Meter"/>: a package's instruments are created once for each meter (the one an
/// <see cref="IMeterFactory"/> hands out, or one shared meter when there is no factory), however many objects use
/// them. The table is weak, so a disposed factory's meter and its instruments are not kept alive; the shared meter is
/// never disposed (it belongs to no one).
/// </summary>
/// <typeparam name="TInstruments">The package's instrument set, created by <c>create</c>.</typeparam>
internal static class MeterCache<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TInstruments>
    where TInstruments : class
{
    private static readonly ConditionalWeakTable<Meter, TInstruments> ByMeter = new();
    private static Meter? s_shared;

    public static TInstruments For(IMeterFactory? meterFactory, string meterName, Func<Meter, TInstruments> create)
    {
        var meter = meterFactory?.Create(new MeterOptions(meterName)) ?? SharedMeter(meterName);
        return ByMeter.GetValue(meter, m => create(m));
    }

    private static Meter SharedMeter(string meterName)
    {
        var shared = Volatile.Read(ref s_shared);
        if (shared is null)
        {
            var created = new Meter(meterName);
            shared = Interlocked.CompareExchange(ref s_shared, created, null) ?? created;
            if (!ReferenceEquals(shared, created))
            {
                created.Dispose();
            }
        }

        return shared;
    }
}
