using Microsoft.Extensions.Logging;

namespace PerfKit.Monitoring.Email.Internal;

/// <summary>PerfKit.Monitoring.Email's log messages: event ids 4900–4949 (inside PerfKit.Monitoring's notification range).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4900, EventName = "EmailSent", Level = LogLevel.Debug,
        Message = "Email notifier {Notifier} sent {AlertCount} alert(s) to {RecipientCount} recipient(s) via {Host}:{Port}")]
    public static partial void EmailSent(ILogger logger, string notifier, int alertCount, int recipientCount, string host, int port);

    [LoggerMessage(EventId = 4901, EventName = "EmailCredentialsRefused", Level = LogLevel.Warning,
        Message = "Email notifier {Notifier}: {Host}:{Port} refused the credentials of user {UserName}; they are not tried again before {RetryAt:O} (every send fails as rejected until then), so as not to lock the account")]
    public static partial void EmailCredentialsRefused(ILogger logger, string notifier, string host, int port, string? userName, DateTimeOffset retryAt);
}
