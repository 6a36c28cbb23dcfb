using System.Buffers;
using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PerfKit.Caching.Tests.Hybrid;

/// <summary>Which <see cref="HybridCache"/> a parity test runs against.</summary>
public enum HybridImpl
{
    /// <summary>Microsoft's DefaultHybridCache (<c>services.AddHybridCache()</c>).</summary>
    Microsoft,

    /// <summary>PerfKit's adapter (<c>services.AddPerfKitCaching().AsHybridCache()</c>).</summary>
    PerfKit,
}

/// <summary>Builds "nodes": one container each, with the implementation under test and an optional shared L2.</summary>
internal static class HybridCacheNodes
{
    public static ServiceProvider Node(HybridImpl impl, IDistributedCache? l2 = null, Action<IServiceCollection>? extra = null)
    {
        var services = new ServiceCollection().AddLogging();
        if (l2 is not null)
        {
            services.AddSingleton(l2);
        }

        if (impl == HybridImpl.Microsoft)
        {
            services.AddHybridCache();
        }
        else
        {
            services.AddPerfKitCaching().AsHybridCache();
        }

        // After the cache, as Microsoft documents for its serializer registrations (AddHybridCache().AddSerializer...).
        extra?.Invoke(services);

        return services.BuildServiceProvider();
    }

    public static HybridCache Cache(this ServiceProvider provider) => provider.GetRequiredService<HybridCache>();
}

/// <summary>
/// A <see cref="MemoryDistributedCache"/> shared by several nodes, behind a wrapper that counts calls. The wrapper also
/// matters for Microsoft's implementation, which ignores a registered L2 whose type is exactly <see cref="MemoryDistributedCache"/>.
/// </summary>
internal sealed class SharedL2 : IDistributedCache
{
    private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));
    private int _reads;
    private int _writes;

    public int Reads => Volatile.Read(ref _reads);

    public int Writes => Volatile.Read(ref _writes);

    public List<string> WrittenKeys { get; } = [];

    public byte[]? Get(string key)
    {
        Interlocked.Increment(ref _reads);
        return _inner.Get(key);
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref _reads);
        return _inner.GetAsync(key, token);
    }

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    public void Remove(string key) => _inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        Record(key);
        _inner.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Record(key);
        return _inner.SetAsync(key, value, options, token);
    }

    private void Record(string key)
    {
        Interlocked.Increment(ref _writes);
        lock (WrittenKeys)
        {
            WrittenKeys.Add(key);
        }
    }
}

/// <summary>A mutable type: <see cref="HybridCache"/> hands each caller its own copy.</summary>
public sealed class Widget
{
    public int Id { get; set; }

    public string Name { get; set; } = "";
}

/// <summary>A sealed type marked immutable: <see cref="HybridCache"/> may hand out the stored instance.</summary>
[ImmutableObject(true)]
public sealed record FrozenWidget(int Id, string Name);

/// <summary>A serializer with its own format ("W|id|name"), counting its calls, to see which serializer a cache picked.</summary>
internal sealed class WidgetSerializer : IHybridCacheSerializer<Widget>
{
    private int _serialized;
    private int _deserialized;

    public int Serialized => Volatile.Read(ref _serialized);

    public int Deserialized => Volatile.Read(ref _deserialized);

    public Widget Deserialize(ReadOnlySequence<byte> source)
    {
        Interlocked.Increment(ref _deserialized);
        var parts = Encoding.UTF8.GetString(source.ToArray()).Split('|');
        return new Widget { Id = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), Name = parts[2] };
    }

    public void Serialize(Widget value, IBufferWriter<byte> target)
    {
        Interlocked.Increment(ref _serialized);
        target.Write(Encoding.UTF8.GetBytes(FormattableString.Invariant($"W|{value.Id}|{value.Name}")));
    }
}

/// <summary>A factory that offers <see cref="WidgetSerializer"/> for <see cref="Widget"/> only.</summary>
internal sealed class WidgetSerializerFactory(WidgetSerializer serializer) : IHybridCacheSerializerFactory
{
    public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? created)
    {
        created = serializer as IHybridCacheSerializer<T>;
        return created is not null;
    }
}
