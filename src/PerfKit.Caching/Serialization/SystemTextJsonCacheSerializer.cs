using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PerfKit.Caching.Serialization;

/// <summary>
/// The default serializer: System.Text.Json through <see cref="JsonSerializerOptions.GetTypeInfo(Type)"/>. For
/// trimmed or native AOT apps, pass options whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a
/// source-generated <c>JsonSerializerContext</c>; otherwise reflection-based metadata is used where the runtime allows it.
/// </summary>
public sealed class SystemTextJsonCacheSerializer : ICacheSerializer
{
    private const byte RawBytes = 1;
    private const byte NullBytes = 0;

    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">The JSON options; default web defaults with reflection metadata where reflection is enabled.</param>
    public SystemTextJsonCacheSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? CreateDefaultOptions();
        _options.MakeReadOnly();
    }

    /// <inheritdoc />
    /// <remarks>A <see cref="T:byte[]"/> is written as a marker byte and its bytes, not as base64 JSON (a third smaller, no encoding work).</remarks>
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (typeof(T) == typeof(byte[]))
        {
            if (value is byte[] bytes)
            {
                destination.Write([RawBytes]);
                destination.Write(bytes);
            }
            else
            {
                destination.Write([NullBytes]);
            }

            return;
        }

        using var writer = new Utf8JsonWriter(destination);
        JsonSerializer.Serialize(writer, value, TypeInfo<T>());
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> source)
    {
        if (typeof(T) == typeof(byte[]))
        {
            return source is [RawBytes, ..] ? (T)(object)source[1..].ToArray()
                : source is [NullBytes] ? default!
                : throw new JsonException("The payload is not a byte array written by this serializer.");
        }

        return JsonSerializer.Deserialize(source, TypeInfo<T>()) is { } value ? value : default!;
    }

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection metadata is only used where the runtime enables reflection-based serialization (the feature switch the BCL itself checks); AOT users pass a source-generated resolver.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    private static JsonSerializerOptions CreateDefaultOptions() => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : JsonTypeInfoResolver.Combine(),
    };
}
