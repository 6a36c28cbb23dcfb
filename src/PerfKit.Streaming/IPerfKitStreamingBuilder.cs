using Microsoft.Extensions.DependencyInjection;

namespace PerfKit.Streaming;

/// <summary>Returned by <c>AddPerfKitStreaming</c> to chain further PerfKit.Streaming registrations.</summary>
public interface IPerfKitStreamingBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
