using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using PerfKit.Caching.Serialization;

namespace PerfKit.Caching.Internal;

/// <summary>
/// PerfKit's <see cref="ICacheSerializer"/> over <c>HybridCache</c>'s serializer registration points: for a type
/// <c>T</c>, a registered <see cref="IHybridCacheSerializer{T}"/> (the last registered), else the first
/// registered <see cref="IHybridCacheSerializerFactory"/> that accepts the type (the most recently registered asked first,
/// as Microsoft's implementation does), else the fallback (System.Text.Json). Resolved once per type.
/// </summary>
internal sealed class HybridSerializerBridge(IServiceProvider services, ICacheSerializer fallback) : ICacheSerializer
{
    private static readonly object UseFallback = new();
    private readonly ConcurrentDictionary<Type, object> _byType = new();

    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        if (Find<T>() is { } serializer)
        {
            serializer.Serialize(value, destination);
        }
        else
        {
            fallback.Serialize(value, destination);
        }
    }

    public T Deserialize<T>(ReadOnlySpan<byte> source) =>
        Find<T>() is { } serializer ? serializer.Deserialize(new ReadOnlySequence<byte>(source.ToArray())) : fallback.Deserialize<T>(source);

    private IHybridCacheSerializer<T>? Find<T>()
    {
        var found = _byType.GetOrAdd(typeof(T), static (_, sp) => Resolve<T>(sp) ?? UseFallback, services);
        return found as IHybridCacheSerializer<T>;
    }

    private static object? Resolve<T>(IServiceProvider services)
    {
        if (services.GetService<IHybridCacheSerializer<T>>() is { } direct)
        {
            return direct;
        }

        var factories = services.GetServices<IHybridCacheSerializerFactory>().ToArray();
        for (var i = factories.Length - 1; i >= 0; i--)
        {
            if (factories[i].TryCreateSerializer<T>(out var created) && created is not null)
            {
                return created;
            }
        }

        return null;
    }
}
