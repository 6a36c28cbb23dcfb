using System.Diagnostics.CodeAnalysis;

namespace PerfKit.Caching;

/// <summary>
/// A hybrid cache: a bounded in-process L1 holding objects (no deserialization on a hit), an optional distributed
/// L2, one factory call per key under any concurrency, fail-safe, soft and hard factory timeouts, eager refresh and tags.
/// </summary>
public interface IPerfKitCache
{
    /// <summary>The cache's name.</summary>
    string Name { get; }

    /// <summary>
    /// Gets the value of <paramref name="key"/>, or creates it with <paramref name="factory"/>: L1, then L2, then the
    /// factory, called once per key however many callers wait. Waiters get the same value or the same exception;
    /// one waiter's cancellation stops only its own wait. A factory exception is never cached.
    /// </summary>
    /// <typeparam name="TState">State passed to the factory, to avoid a closure.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key; not null or empty.</param>
    /// <param name="state">Passed to the factory.</param>
    /// <param name="factory">Creates the value; it may set the duration and tags, or decline caching, through the context.</param>
    /// <param name="options">Entry options; default <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The value.</returns>
    ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<CacheFactoryContext, TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="GetOrCreateAsync{TState, T}"/> without state. Prefer the state overload on hot paths: a capturing
    /// lambda allocates a closure per call.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key; not null or empty.</param>
    /// <param name="factory">Creates the value.</param>
    /// <param name="options">Entry options; default <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The value.</returns>
    ValueTask<T> GetOrCreateAsync<T>(string key, Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the values of several keys, creating the missing ones with one call of <paramref name="factory"/>: one pass
    /// over L1, one L2 read for the keys L1 lacks (<see cref="Distributed.IDistributedCacheStore.GetManyAsync"/>: one
    /// <c>MGET</c> with Redis), then one factory call with exactly the keys still missing. Each missing key is loaded
    /// once however many callers (single-key or many-key) ask at once: a key another call is loading is waited for, not
    /// asked of this factory. Values the factory returns are cached with <paramref name="options"/> (duration, tags,
    /// size; per-key decisions through a context are not available here); a key it leaves out is missing from the
    /// result and not cached; keys it adds are ignored. When the factory throws or passes
    /// <see cref="CacheEntryOptions.FactoryHardTimeout"/>, keys with a stale value under fail-safe get it, and the call
    /// throws for the others (a late result is not stored).
    /// </summary>
    /// <typeparam name="TState">State passed to the factory, to avoid a closure.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="keys">The keys; none null or empty; repeats are asked once.</param>
    /// <param name="state">Passed to the factory.</param>
    /// <param name="factory">Creates the values of the keys it is given (a dictionary by key).</param>
    /// <param name="options">Entry options; default <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Stops this caller's wait; the loads go on for the other callers.</param>
    /// <returns>The value of every key that has one.</returns>
    ValueTask<IReadOnlyDictionary<string, T>> GetOrCreateManyAsync<TState, T>(IEnumerable<string> keys, TState state, Func<IReadOnlyList<string>, TState, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary><see cref="GetOrCreateManyAsync{TState, T}"/> without state.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="keys">The keys.</param>
    /// <param name="factory">Creates the values of the keys it is given.</param>
    /// <param name="options">Entry options; default <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The value of every key that has one.</returns>
    ValueTask<IReadOnlyDictionary<string, T>> GetOrCreateManyAsync<T>(IEnumerable<string> keys, Func<IReadOnlyList<string>, CancellationToken, ValueTask<IReadOnlyDictionary<string, T>>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a fresh value from L1 only, without calling anything.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, when found fresh and of type <typeparamref name="T"/>.</param>
    /// <returns>Whether a fresh value was found.</returns>
    bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value);

    /// <summary>Stores a value in L1 and L2.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Entry options; default <see cref="PerfKitCacheOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the L2 write.</param>
    /// <returns>A task that completes when L2 has been written (or its failure logged).</returns>
    ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a key from L1 and L2.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the L2 call.</param>
    /// <returns>A task that completes when L2 has been updated (or its failure logged).</returns>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Invalidates every entry carrying <paramref name="tag"/>, in L1 at once and in L2 through a tag marker read on L2 hits.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="cancellationToken">Cancels the L2 call.</param>
    /// <returns>A task that completes when L2 has been updated (or its failure logged).</returns>
    ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default);
}
