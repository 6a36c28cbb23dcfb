using System.Globalization;
using PerfKit.Caching.Distributed;
using PerfKit.Caching.Redis.Internal;
using StackExchange.Redis;

namespace PerfKit.Caching.Redis;

/// <summary>
/// PerfKit's L2 over StackExchange.Redis: each payload is a plain Redis string <c>{KeyPrefix}{key}</c> written with
/// <c>SET … PX</c> (millisecond TTL) and read with <c>GETRANGE key 0 MaximumPayloadBytes</c>, so an oversized value is a
/// quick per-key error; tag markers are strings <c>{KeyPrefix}__tag:{tag}</c> holding the invalidation time in Unix
/// milliseconds (decimal), all read with one <c>MGET</c> and written by a small Lua script that keeps the later time
/// (on a server without scripting — Garnet without <c>--lua</c> — by <c>SET … PX</c>, where the last writer wins).
/// </summary>
/// <remarks>
/// <para>
/// Errors: a key of the wrong Redis type (<c>WRONGTYPE</c>), a payload over <see cref="PerfKitRedisOptions.MaximumPayloadBytes"/>
/// and a tag marker that does not hold a number throw <see cref="DistributedCacheKeyException"/> (a problem of that key
/// only). Anything else — no connection, a timeout, another server error — propagates as the client's exception and
/// means Redis could not be reached.
/// </para>
/// <para>
/// Cancellation: StackExchange.Redis cannot cancel a command once queued. Each call stops waiting when the token fires
/// (the command still ends at the multiplexer's <c>AsyncTimeout</c>, and its late fault is observed); a call whose token
/// cannot fire stops at the connection's <c>AsyncTimeout</c> with a <see cref="TimeoutException"/> naming the endpoint.
/// </para>
/// <para>The store does not own the <see cref="RedisConnection"/>; dispose that where you created it.</para>
/// </remarks>
public sealed class RedisDistributedCacheStore : IDistributedCacheStore
{
    /// <summary>What follows <see cref="PerfKitRedisOptions.KeyPrefix"/> in the key of a tag marker.</summary>
    public const string TagMarkerInfix = "__tag:";

    /// <summary>What follows <see cref="PerfKitRedisOptions.KeyPrefix"/> in the key of a single-flight lease.</summary>
    public const string LeaseInfix = "__lease:";

    // KEYS[1] the marker, ARGV[1] the invalidation time (Unix ms), ARGV[2] the TTL in ms. Keeps the later of the stored
    // and given times; a marker that is not a number (or not a string: pcall returns an error table) is overwritten.
    private const string SetTagScript = """
        local given = ARGV[1]
        local current = redis.pcall('GET', KEYS[1])
        if type(current) == 'string' then
          local c = tonumber(current)
          if c and c > tonumber(given) then given = current end
        end
        redis.call('SET', KEYS[1], given, 'PX', ARGV[2])
        return 1
        """;

    private readonly RedisConnection _connection;
    private readonly RedisKey _keyPrefix;
    private readonly RedisKey _tagPrefix;
    private readonly RedisKey _leasePrefix;
    private readonly int _maximumPayloadBytes;
    private bool _scriptsUnavailable;

    /// <summary>Creates the store over a shared connection.</summary>
    /// <param name="connection">The connection, shared with the backplane; the store never disposes it.</param>
    /// <param name="options">
    /// <see cref="PerfKitRedisOptions.KeyPrefix"/> and <see cref="PerfKitRedisOptions.MaximumPayloadBytes"/> are used
    /// (and validated as at host start); the connection settings are the connection's.
    /// </param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public RedisDistributedCacheStore(RedisConnection connection, PerfKitRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PerfKitRedisOptionsValidator.ThrowIfInvalid(options, store: true, connection: false);
        _connection = connection;
        _keyPrefix = System.Text.Encoding.UTF8.GetBytes(options.KeyPrefix);
        _tagPrefix = System.Text.Encoding.UTF8.GetBytes(options.KeyPrefix + TagMarkerInfix);
        _leasePrefix = System.Text.Encoding.UTF8.GetBytes(options.KeyPrefix + LeaseInfix);
        _maximumPayloadBytes = options.MaximumPayloadBytes;
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var redisKey = _keyPrefix.Append(key);
        RedisValue value;
        try
        {
            // GETRANGE's end is inclusive: one byte more than allowed tells "too big" without transferring the rest.
            value = await RedisTasks.WaitAsync(database.StringGetRangeAsync(redisKey, 0, _maximumPayloadBytes), _connection, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsWrongType(ex))
        {
            throw WrongType(redisKey, ex);
        }

        if (value.IsNullOrEmpty)
        {
            return null; // a missing key reads as "" (and PerfKit never writes an empty payload)
        }

        var payload = (byte[])value!;
        if (payload.Length > _maximumPayloadBytes)
        {
            throw new DistributedCacheKeyException(string.Create(CultureInfo.InvariantCulture,
                $"Redis key '{redisKey}' holds more than {_maximumPayloadBytes} bytes (PerfKitRedisOptions.MaximumPayloadBytes); it was not read."));
        }

        return payload;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One <c>MGET</c>. Unlike <see cref="GetAsync"/>, which reads at most <see cref="PerfKitRedisOptions.MaximumPayloadBytes"/>
    /// plus one byte of a key, <c>MGET</c> transfers whole values: a value over the limit is transferred, then read as
    /// <see langword="null"/> (as is a key of another type, which <c>MGET</c> answers with nil).
    /// </remarks>
    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();
        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < redisKeys.Length; i++)
        {
            redisKeys[i] = _keyPrefix.Append(keys[i]);
        }

        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var values = await RedisTasks.WaitAsync(database.StringGetAsync(redisKeys), _connection, cancellationToken).ConfigureAwait(false);
        var result = new byte[]?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsNullOrEmpty && (byte[])values[i]! is { } payload && payload.Length <= _maximumPayloadBytes)
            {
                result[i] = payload;
            }
        }

        return result;
    }

    /// <inheritdoc />
    /// <remarks>Redis grants a lease to one owner at a time.</remarks>
    public bool SupportsLeases => true;

    /// <inheritdoc />
    /// <remarks>One <c>SET lease owner NX PX</c>, under <see cref="PerfKitRedisOptions.KeyPrefix"/> + <see cref="LeaseInfix"/> + the key.</remarks>
    public async ValueTask<bool> TryAcquireLeaseAsync(string key, string owner, TimeSpan leaseTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await RedisTasks.WaitAsync(database.StringSetAsync(_leasePrefix.Append(key), owner, leaseTime, When.NotExists), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A transaction that deletes the lease only while it still holds <paramref name="owner"/> (no Lua: works where scripts are off).</remarks>
    public async ValueTask ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var lease = _leasePrefix.Append(key);
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(lease, owner));
        _ = transaction.KeyDeleteAsync(lease);
        await RedisTasks.WaitAsync(transaction.ExecuteAsync(), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (value.IsEmpty)
        {
            throw new ArgumentException("A payload must not be empty: an empty Redis string reads as a missing key.", nameof(value));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var redisKey = _keyPrefix.Append(key);
        if (value.Length > _maximumPayloadBytes)
        {
            // It could never be read back: remove what the key held, so no node keeps reading the old value.
            await RedisTasks.WaitAsync(database.KeyDeleteAsync(redisKey), _connection, cancellationToken).ConfigureAwait(false);
            throw new DistributedCacheKeyException(string.Create(CultureInfo.InvariantCulture,
                $"The payload for Redis key '{redisKey}' is {value.Length} bytes, over PerfKitRedisOptions.MaximumPayloadBytes ({_maximumPayloadBytes}); the key was deleted instead."));
        }

        // SET key value PX ms (StackExchange.Redis sends EX when the TTL is whole seconds): sub-second TTLs reach Redis.
        await RedisTasks.WaitAsync(database.StringSetAsync(redisKey, value, ToMilliseconds(timeToLive), keepTtl: false, When.Always, CommandFlags.None), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisTasks.WaitAsync(database.KeyDeleteAsync(_keyPrefix.Append(key)), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="DistributedCacheKeyException">A marker holds something that is not a number; the message names it.</exception>
    public async ValueTask<long[]> GetTagInvalidationsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count == 0)
        {
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();
        var keys = new RedisKey[tags.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = _tagPrefix.Append(tags[i]);
        }

        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var values = await RedisTasks.WaitAsync(database.StringGetAsync(keys), _connection, cancellationToken).ConfigureAwait(false); // one MGET
        var result = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNull)
            {
                continue; // no marker (MGET also answers nil for a key of another type; the next write replaces it)
            }

            if (!TryParseMarker(values[i], out result[i]))
            {
                throw new DistributedCacheKeyException(
                    $"The tag marker '{keys[i]}' does not hold a Unix time in milliseconds; entries with tag '{tags[i]}' are treated as misses until the tag is invalidated again (which overwrites the marker).");
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask SetTagInvalidationAsync(string tag, long invalidatedAtUtcMs, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tag);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var ttl = ToMilliseconds(timeToLive);
        var marker = _tagPrefix.Append(tag);
        if (!Volatile.Read(ref _scriptsUnavailable))
        {
            try
            {
                var evaluation = database.ScriptEvaluateAsync(SetTagScript, [marker], [invalidatedAtUtcMs, (long)ttl.TotalMilliseconds]);
                await RedisTasks.WaitAsync(evaluation, _connection, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RedisServerException ex) when (IsScriptingUnavailable(ex))
            {
                Volatile.Write(ref _scriptsUnavailable, true);
            }
        }

        // Without scripting (Garnet without --lua, EVAL denied by an ACL): SET … PX, the last writer wins.
        await RedisTasks.WaitAsync(database.StringSetAsync(marker, invalidatedAtUtcMs, ttl, keepTtl: false, When.Always, CommandFlags.None), _connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether tag markers are written without the script, because the server refused it.</summary>
    internal bool ScriptsUnavailable => Volatile.Read(ref _scriptsUnavailable);

    private static bool TryParseMarker(RedisValue value, out long milliseconds) => value.TryParse(out milliseconds) && milliseconds >= 0;

    private static TimeSpan ToMilliseconds(TimeSpan timeToLive)
    {
        // At least 1 ms and rounded up, never 0 (which Redis refuses, and which would have meant "do not cache").
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return TimeSpan.FromMilliseconds(Math.Ceiling(timeToLive.TotalMilliseconds));
    }

    private static bool IsScriptingUnavailable(RedisServerException ex) =>
        ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("scripting", StringComparison.OrdinalIgnoreCase)
        || ex.Message.StartsWith("NOPERM", StringComparison.Ordinal);

    private static bool IsWrongType(RedisServerException ex) => ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal);

    private static DistributedCacheKeyException WrongType(RedisKey key, RedisServerException ex) =>
        new($"Redis key '{key}' holds a value of another type than a string (WRONGTYPE): it is not a PerfKit payload. The cache overwrites it on its next write.", ex);

    private ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        // The hot path (connected) completes synchronously, without a second state machine.
        var pending = _connection.GetAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? ValueTask.FromResult(pending.Result.GetDatabase()) : AwaitAsync(pending);

        static async ValueTask<IDatabase> AwaitAsync(ValueTask<IConnectionMultiplexer> pending) => (await pending.ConfigureAwait(false)).GetDatabase();
    }
}
