using System.Text.Json.Serialization;

namespace PerfKit.Monitoring.Internal;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(MonitoringSnapshot))]
internal sealed partial class MonitoringJsonContext : JsonSerializerContext
{
}
