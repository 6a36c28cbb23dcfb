using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using PerfKit.Monitoring.Alerting;
using PerfKit.Monitoring.Email.Internal;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Monitoring.Email;

/// <summary>
/// Sends one email per alert group over SMTP (MailKit), with a plain-text and an HTML body. Each send opens its own
/// connection, so a server that restarts between alerts costs nothing.
/// </summary>
/// <remarks>
/// Failures: a server that cannot be reached, a timeout, a 4xx SMTP answer or a dropped connection throw a transient
/// <see cref="AlertDeliveryException"/> (the dispatcher retries); a 5xx answer (say, a rejected recipient), failed
/// authentication, or a server without what the options require (STARTTLS) throws a permanent one (not retried, counted as <c>rejected</c>). The password is never logged nor in
/// a message. After the server refuses the credentials, the notifier does not connect again for
/// <see cref="CredentialsRetryDelay"/>: each send in that time fails at once as a permanent failure, so the dispatcher's
/// attempts at every group interval cannot lock the account; the refusal is logged once (event 4901).
/// </remarks>
public sealed class EmailNotifier : IAlertNotifier
{
    private readonly string _host;
    private readonly int _port;
    private readonly SecureSocketOptions _security;
    private readonly string? _userName;
    private readonly string? _password;
    private readonly MailboxAddress _from;
    private readonly MailboxAddress[] _to;
    private readonly string _subjectTemplate;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _credentialsLock = new();
    private DateTimeOffset? _credentialsRefusedUntil;

    /// <summary>How long the notifier stops trying after the server refused its credentials: 1 hour.</summary>
    public static readonly TimeSpan CredentialsRetryDelay = TimeSpan.FromHours(1);

    /// <summary>Creates the notifier.</summary>
    /// <param name="options">Server, credentials, addresses and subject; validated here.</param>
    /// <param name="dependencies">The clock (for the timeout) and logging; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public EmailNotifier(EmailNotifierOptions options, PerfKitMonitoringDependencies? dependencies = null)
    {
        EmailNotifierOptionsValidator.ThrowIfInvalid(options);
        Name = options.Name;
        _host = options.Host!;
        _port = options.Port;
        _security = options.Security switch
        {
            EmailSecurity.None => SecureSocketOptions.None,
            EmailSecurity.StartTls => SecureSocketOptions.StartTls,
            EmailSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
        _userName = string.IsNullOrEmpty(options.UserName) ? null : options.UserName;
        _password = options.Password;
        _from = MailboxAddress.Parse(options.From!);
        _to = [.. options.To.Select(MailboxAddress.Parse)];
        _subjectTemplate = options.SubjectTemplate;
        _timeout = options.Timeout;
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _logger = (ILogger?)dependencies?.LoggerFactory?.CreateLogger<EmailNotifier>() ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Sends the group as one email; throws <see cref="AlertDeliveryException"/> when it was not accepted by the server.</summary>
    /// <param name="notifications">The group.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the server accepted the email.</returns>
    public async Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        DateTimeOffset? refusedUntil;
        lock (_credentialsLock)
        {
            refusedUntil = _credentialsRefusedUntil;
        }

        if (refusedUntil is { } until && _time.GetUtcNow() < until)
        {
            throw new AlertDeliveryException(
                string.Create(CultureInfo.InvariantCulture, $"Email notifier '{Name}': the server refused the credentials of user '{_userName}'; they are not tried again before {until:O}."),
                isTransient: false);
        }

        using var message = BuildMessage(notifications);
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, _timeout.TotalMilliseconds) };
        try
        {
            await client.ConnectAsync(_host, _port, _security, linked.Token).ConfigureAwait(false);
            if (_userName is not null)
            {
                await client.AuthenticateAsync(new NetworkCredential(_userName, _password), linked.Token).ConfigureAwait(false);
            }

            await client.SendAsync(message, linked.Token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new AlertDeliveryException($"Email notifier '{Name}' did not finish within {_timeout}.", ex);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            var transient = code is >= 400 and < 500;
            throw new AlertDeliveryException(
                string.Create(CultureInfo.InvariantCulture, $"Email notifier '{Name}': the server answered {code} ({ex.ErrorCode}){(transient ? "" : "; a retry cannot help")}."),
                transient,
                innerException: ex);
        }
        catch (NotSupportedException ex)
        {
            // MailKit's answer when the server lacks what the options require (STARTTLS, authentication): configuration.
            throw new AlertDeliveryException($"Email notifier '{Name}': {ex.Message}", isTransient: false, innerException: ex);
        }
        catch (AuthenticationException ex)
        {
            var retryAt = _time.GetUtcNow() + CredentialsRetryDelay;
            lock (_credentialsLock)
            {
                _credentialsRefusedUntil = retryAt;
            }

            Log.EmailCredentialsRefused(_logger, Name, _host, _port, _userName, retryAt);
            throw new AlertDeliveryException($"Email notifier '{Name}': the server refused the credentials of user '{_userName}'.", isTransient: false, innerException: ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException or SslHandshakeException)
        {
            throw new AlertDeliveryException($"Email notifier '{Name}' could not talk to {_host}:{_port}: {ex.Message}", ex);
        }

        Log.EmailSent(_logger, Name, notifications.Count, _to.Length, _host, _port);
    }

    internal MimeMessage BuildMessage(IReadOnlyList<AlertNotification> notifications)
    {
        var firing = notifications.Count(static n => n.Status == AlertStatus.Firing);
        var resolved = notifications.Count - firing;
        var alertName = notifications is AlertGroup g && g.Labels.TryGetValue("alertname", out var groupName)
            ? groupName
            : notifications.Count > 0 ? notifications[0].RuleName : string.Empty;
        var severity = notifications.Count > 0 ? notifications.Max(static n => n.Severity) : AlertSeverity.Info;
        var subject = _subjectTemplate
            .Replace("{status}", firing > 0 ? "FIRING" : "RESOLVED", StringComparison.Ordinal)
            .Replace("{alertname}", alertName, StringComparison.Ordinal)
            .Replace("{count}", notifications.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{severity}", severity.ToString().ToLowerInvariant(), StringComparison.Ordinal);

        var text = new StringBuilder();
        var html = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{firing} firing, {resolved} resolved").AppendLine();
        html.Append("<html><body>")
            .Append(CultureInfo.InvariantCulture, $"<p>{firing} firing, {resolved} resolved</p>");
        if (notifications is AlertGroup group)
        {
            text.Append("Group: ").AppendLine(group.Key);
            html.Append("<p>Group: <code>").Append(WebUtility.HtmlEncode(group.Key)).Append("</code></p>");
        }

        foreach (var n in notifications)
        {
            var status = n.Status == AlertStatus.Firing ? "FIRING" : "RESOLVED";
            var when = n.Status == AlertStatus.Resolved && n.EndsAt is { } end
                ? $"from {Format(n.StartsAt)} to {Format(end)}"
                : $"since {Format(n.StartsAt)}";
            var value = n.Value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "n/a";
            text.AppendLine()
                .Append(CultureInfo.InvariantCulture, $"[{status}] {n.RuleName} ({n.Severity.ToString().ToLowerInvariant()}) {when}, value {value}").AppendLine();
            html.Append("<h3>").Append(WebUtility.HtmlEncode($"[{status}] {n.RuleName}")).Append("</h3>")
                .Append("<p>").Append(WebUtility.HtmlEncode($"{n.Severity.ToString().ToLowerInvariant()}, {when}, value {value}")).Append("</p><table>");
            foreach (var (name, annotation) in n.Annotations.OrderBy(static a => a.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {name}: {annotation}").AppendLine();
                Row(html, name, annotation);
            }

            foreach (var (name, label) in n.Labels.OrderBy(static l => l.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  label {name} = {label}").AppendLine();
                Row(html, "label " + name, label);
            }

            text.Append("  fingerprint: ").AppendLine(n.Fingerprint);
            Row(html, "fingerprint", n.Fingerprint);
            html.Append("</table>");
        }

        html.Append("</body></html>");
        var message = new MimeMessage { Subject = subject };
        message.From.Add(_from);
        message.To.AddRange(_to);
        message.Body = new BodyBuilder { TextBody = text.ToString(), HtmlBody = html.ToString() }.ToMessageBody();
        return message;

        static void Row(StringBuilder html, string name, string value) =>
            html.Append("<tr><th align=\"left\">").Append(WebUtility.HtmlEncode(name)).Append("</th><td>").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
