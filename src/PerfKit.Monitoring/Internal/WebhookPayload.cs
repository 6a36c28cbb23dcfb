using System.Text.Json.Serialization;

namespace PerfKit.Monitoring.Internal;

/// <summary>The body of a webhook notification: Alertmanager's webhook format, version 4.</summary>
internal sealed class WebhookPayload
{
    [JsonPropertyName("version")]
    public string Version { get; init; } = "4";

    [JsonPropertyName("groupKey")]
    public required string GroupKey { get; init; }

    [JsonPropertyName("truncatedAlerts")]
    public int TruncatedAlerts { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("receiver")]
    public required string Receiver { get; init; }

    [JsonPropertyName("groupLabels")]
    public required IReadOnlyDictionary<string, string> GroupLabels { get; init; }

    [JsonPropertyName("commonLabels")]
    public required IReadOnlyDictionary<string, string> CommonLabels { get; init; }

    [JsonPropertyName("commonAnnotations")]
    public required IReadOnlyDictionary<string, string> CommonAnnotations { get; init; }

    [JsonPropertyName("externalURL")]
    public required string ExternalUrl { get; init; }

    [JsonPropertyName("alerts")]
    public required IReadOnlyList<WebhookAlert> Alerts { get; init; }
}

/// <summary>One alert of a <see cref="WebhookPayload"/>.</summary>
internal sealed class WebhookAlert
{
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("labels")]
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    [JsonPropertyName("annotations")]
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }

    [JsonPropertyName("startsAt")]
    public required string StartsAt { get; init; }

    [JsonPropertyName("endsAt")]
    public required string EndsAt { get; init; }

    [JsonPropertyName("generatorURL")]
    public required string GeneratorUrl { get; init; }

    [JsonPropertyName("fingerprint")]
    public required string Fingerprint { get; init; }
}

/// <summary>The source-generated serializer of the webhook payload (no reflection: AOT and trimming safe).</summary>
[JsonSerializable(typeof(WebhookPayload))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class WebhookJsonContext : JsonSerializerContext
{
}
