using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PerfKit.Caching.Internal;

namespace PerfKit.Caching.Hybrid;

/// <summary>
/// Microsoft's <see cref="HybridCache"/> abstraction over a PerfKit cache, so code and libraries written against
/// <see cref="HybridCache"/> get PerfKit's L1, L2 outbox, backplane, fail-safe and memory-pressure shrinking unchanged.
/// DI: <c>services.AddPerfKitCaching(...).AsHybridCache()</c>. How each part of the contract maps (and where PerfKit
/// differs from Microsoft's implementation) is listed in the package README, "HybridCache and IDistributedCache".
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="HybridCacheEntryOptions.Expiration"/> is the entry's duration; a shorter
/// <see cref="HybridCacheEntryOptions.LocalCacheExpiration"/> shortens it (PerfKit keeps one duration for both tiers,
/// so the shorter bound holds for both). Unset: the PerfKit cache's <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>,
/// whose fail-safe, timeouts and eager refresh carry over.</item>
/// <item>Any <c>DisableDistributedCache*</c> flag keeps the entry out of L2 in both directions
/// (<see cref="CacheEntryOptions.SkipDistributedCache"/>). <see cref="HybridCacheEntryFlags.DisableUnderlyingData"/>
/// returns <see langword="default"/> on a miss and caches nothing. <see cref="HybridCacheEntryFlags.DisableCompression"/>
/// changes nothing: PerfKit never compresses. <see cref="HybridCacheEntryFlags.DisableLocalCache"/> together with
/// <see cref="HybridCacheEntryFlags.DisableDistributedCache"/> bypasses the cache. Any other use of
/// <c>DisableLocalCacheRead</c> or <c>DisableLocalCacheWrite</c> throws <see cref="NotSupportedException"/> naming the flag:
/// PerfKit's L1 is not optional per call.</item>
/// <item>Values of types <see cref="HybridCache"/> would copy are copied on every read
/// (<see cref="PerfKitHybridCacheOptions.CopyMutableValues"/>), through the cache's serializer.</item>
/// </list>
/// The adapter owns nothing: disposing the PerfKit cache is the container's (or the creator's) business.
/// </remarks>
public sealed class PerfKitHybridCache : HybridCache
{
    private const HybridCacheEntryFlags LocalFlags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite;
    private const HybridCacheEntryFlags DistributedFlags = HybridCacheEntryFlags.DisableDistributedCacheRead | HybridCacheEntryFlags.DisableDistributedCacheWrite;

    private readonly IPerfKitCache _cache;

    // The same cache as its sealed class: a generic method called through an interface is a generic virtual call,
    // resolved at run time on every call (measured: about half the cost of a hit); on the class it is a direct call.
    private readonly PerfKitCache? _perfKit;
    private readonly CacheEntryOptions _defaults;
    private readonly bool _copyMutable;
    private readonly int _maximumKeyLength;
    private readonly ILogger _logger;
    private readonly MappedOptions _forNull;
    private readonly ConditionalWeakTable<HybridCacheEntryOptions, MappedOptions> _mapped = new();
    private readonly ConditionalWeakTable<HybridCacheEntryOptions, MappedOptions>.CreateValueCallback _map;

    // One-entry memo in front of the table: most call sites pass the same options instance every time.
    private MappedOptions? _last;

    /// <summary>Wraps <paramref name="cache"/>.</summary>
    /// <param name="cache">The PerfKit cache that stores the values.</param>
    /// <param name="options">The mapping options; default <see cref="PerfKitHybridCacheOptions"/>'s defaults. Validated here.</param>
    /// <param name="dependencies">Only <see cref="PerfKitCacheDependencies.LoggerFactory"/> is used (for keys that are too long); the cache's own dependencies serve everything else.</param>
    public PerfKitHybridCache(IPerfKitCache cache, PerfKitHybridCacheOptions? options = null, PerfKitCacheDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        options ??= new PerfKitHybridCacheOptions();
        PerfKitHybridCacheOptionsValidator.ThrowIfInvalid(options);
        _cache = cache;
        _copyMutable = options.CopyMutableValues;
        _maximumKeyLength = options.MaximumKeyLength;
        _logger = dependencies?.LoggerFactory?.CreateLogger("PerfKit.Caching.PerfKitHybridCache") ?? NullLogger.Instance;
        _perfKit = cache as PerfKitCache;
        _defaults = _perfKit?.DefaultEntryOptions ?? new CacheEntryOptions();
        var lifetime = _perfKit?.MaximumEntryLifetime ?? PerfKitCacheOptions.DefaultMaximumEntryLifetime;
        _forNull = new MappedOptions(_defaults, null, lifetime);
        _map = o => new MappedOptions(_defaults, o, lifetime);
    }

    /// <summary>The PerfKit cache behind this adapter, for PerfKit's own API (fail-safe options, many keys at once, factory context).</summary>
    public IPerfKitCache Cache => _cache;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException"><see cref="HybridCacheEntryFlags.DisableLocalCacheRead"/> or <see cref="HybridCacheEntryFlags.DisableLocalCacheWrite"/> without both distributed flags.</exception>
    public override ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        var mapped = Map(options);
        if (mapped.Unsupported is { } message)
        {
            return ValueTask.FromException<T>(new NotSupportedException(message));
        }

        if (mapped.Bypass || key.Length > _maximumKeyLength || key.Length == 0)
        {
            return RunUncached(key, state, factory, mapped.NoUnderlyingData, cancellationToken);
        }

        // The hit of a value handed out as stored: no call state, no delegate, nothing looked up per type.
        if (_perfKit is { } cache && cache.TryGetPlainHit(key, out var stored) && stored is T hit)
        {
            cache.CountHit();
            return new ValueTask<T>(hit);
        }

        var entryOptions = _copyMutable && !HybridImmutability<T>.IsImmutable ? mapped.Copying : mapped.Shared;
        var call = new Call<TState, T>(state, factory, tags, mapped.NoUnderlyingData);
        return _perfKit is { } perfKit
            ? perfKit.GetOrCreateAsync(key, call, Call<TState, T>.Invoke, entryOptions, cancellationToken)
            : _cache.GetOrCreateAsync(key, call, Call<TState, T>.Invoke, entryOptions, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException"><see cref="HybridCacheEntryFlags.DisableLocalCacheWrite"/> without both distributed flags.</exception>
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var mapped = Map(options);
        if (mapped.Unsupported is { } message)
        {
            return ValueTask.FromException(new NotSupportedException(message));
        }

        if (mapped.Bypass || key.Length > _maximumKeyLength || key.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        var entryOptions = _copyMutable && !HybridImmutability<T>.IsImmutable ? mapped.Copying : mapped.Shared;
        if (tags is not null && Merge(entryOptions.Tags, tags) is { Length: > 0 } merged)
        {
            entryOptions = entryOptions.Clone();
            entryOptions.Tags = merged;
        }

        return _cache.SetAsync(key, value, entryOptions, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length == 0 || key.Length > _maximumKeyLength ? ValueTask.CompletedTask : _cache.RemoveAsync(key, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A <see langword="null"/> sequence is empty. The keys are removed one after another.</remarks>
    public override async ValueTask RemoveAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        if (keys is null)
        {
            return;
        }

        foreach (var key in keys)
        {
            await RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException"><paramref name="tag"/> is <c>*</c>: <see cref="HybridCache"/>'s "every entry" wildcard has no PerfKit equivalent yet.</exception>
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (tag.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (tag == "*")
        {
            return ValueTask.FromException(new NotSupportedException("RemoveByTagAsync(\"*\") (HybridCache's wildcard for every entry) is not supported by PerfKitHybridCache: PerfKit caches have no clear-all; tag the entries and remove that tag instead."));
        }

        return _cache.RemoveByTagAsync(tag, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A <see langword="null"/> sequence is empty. The tags are removed one after another.</remarks>
    public override async ValueTask RemoveByTagAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var tag in tags)
        {
            await RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<T> RunUncached<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, bool noUnderlyingData, CancellationToken cancellationToken)
    {
        if (key.Length > _maximumKeyLength)
        {
            Log.HybridKeyTooLong(_logger, _cache.Name, key.Length, _maximumKeyLength);
        }

        return noUnderlyingData ? default : factory(state, cancellationToken);
    }

    private MappedOptions Map(HybridCacheEntryOptions? options)
    {
        if (options is null)
        {
            return _forNull;
        }

        var last = _last;
        if (last is not null && ReferenceEquals(last.Source, options))
        {
            return last;
        }

        var mapped = _mapped.GetValue(options, _map);
        _last = mapped;
        return mapped;
    }

    private static string[]? Merge(IReadOnlyList<string>? first, IEnumerable<string>? second)
    {
        if (second is null)
        {
            return first is null or { Count: 0 } ? null : [.. first];
        }

        var all = new List<string>(first ?? []);
        foreach (var tag in second)
        {
            if (!string.IsNullOrEmpty(tag) && !all.Contains(tag))
            {
                all.Add(tag);
            }
        }

        return all.Count == 0 ? null : [.. all];
    }

    /// <summary>The factory of one call and what the adapter adds around it; a struct, so a hit allocates nothing.</summary>
    private readonly struct Call<TState, T>(TState state, Func<TState, CancellationToken, ValueTask<T>> factory, IEnumerable<string>? tags, bool noUnderlyingData)
    {
        public static readonly Func<CacheFactoryContext, Call<TState, T>, CancellationToken, ValueTask<T>> Invoke = static (context, call, ct) => call.Run(context, ct);

        public ValueTask<T> Run(CacheFactoryContext context, CancellationToken cancellationToken)
        {
            if (noUnderlyingData)
            {
                context.DoNotCache();
                return default;
            }

            if (tags is not null)
            {
                context.Tags = Merge(context.Tags, tags);
            }

            return factory(state, cancellationToken);
        }
    }

    /// <summary>A <see cref="HybridCacheEntryOptions"/> instance translated once into PerfKit's entry options.</summary>
    private sealed class MappedOptions
    {
        public MappedOptions(CacheEntryOptions defaults, HybridCacheEntryOptions? source, TimeSpan maximumLifetime)
        {
            Source = source;
            var flags = source?.Flags ?? HybridCacheEntryFlags.None;
            NoUnderlyingData = (flags & HybridCacheEntryFlags.DisableUnderlyingData) != 0;
            Bypass = (flags & LocalFlags) == LocalFlags && (flags & DistributedFlags) == DistributedFlags;
            if (!Bypass && (flags & LocalFlags) != 0)
            {
                var flag = (flags & HybridCacheEntryFlags.DisableLocalCacheRead) != 0 ? "DisableLocalCacheRead" : "DisableLocalCacheWrite";
                Unsupported = $"HybridCacheEntryFlags.{flag} is not supported by PerfKitHybridCache unless both DisableDistributedCacheRead and DisableDistributedCacheWrite are set too (the call then bypasses the cache): a PerfKit cache always reads and writes its L1. (With Microsoft.Extensions.Caching.Abstractions 11, HybridCache's HybridCacheEntryContext overloads reach an implementation built on 10 with this flag set: they are not supported yet; use the overloads without a context.)";
            }

            var shared = defaults;
            var duration = source?.Expiration ?? defaults.Duration;
            if (source?.LocalCacheExpiration is { } local && local < duration)
            {
                duration = local;
            }

            // HybridCache has no lifetime limit; a PerfKit cache keeps entries at most MaximumEntryLifetime (fresh, jitter
            // and fail-safe staleness together). A longer Expiration is shortened to it, as a factory's duration is,
            // giving up the default fail-safe staleness first: never an exception for a valid HybridCache call.
            var failSafe = defaults.FailSafeMaxStaleness;
            var jitter = defaults.Jitter;
            if (duration + jitter + (failSafe ?? TimeSpan.Zero) > maximumLifetime)
            {
                jitter = TimeSpan.Zero;
                duration = duration < maximumLifetime ? duration : maximumLifetime;
                failSafe = failSafe is null ? null : maximumLifetime - duration;
            }

            var skipDistributed = (flags & DistributedFlags) != 0;
            if (duration != defaults.Duration || jitter != defaults.Jitter || failSafe != defaults.FailSafeMaxStaleness || (skipDistributed && !defaults.SkipDistributedCache))
            {
                shared = defaults.Clone();
                shared.Duration = duration;
                shared.Jitter = jitter;
                shared.FailSafeMaxStaleness = failSafe;
                shared.SkipDistributedCache |= skipDistributed;
            }

            Shared = shared;
            if (shared.CopyOnRead)
            {
                Copying = shared;
            }
            else
            {
                Copying = shared.Clone();
                Copying.CopyOnRead = true;
            }
        }

        public HybridCacheEntryOptions? Source { get; }

        public CacheEntryOptions Shared { get; }

        public CacheEntryOptions Copying { get; }

        public bool NoUnderlyingData { get; }

        public bool Bypass { get; }

        public string? Unsupported { get; }
    }
}
