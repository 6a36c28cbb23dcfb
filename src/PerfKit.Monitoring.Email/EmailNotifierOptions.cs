using System.Globalization;

namespace PerfKit.Monitoring.Email;

/// <summary>Where and how an <see cref="EmailNotifier"/> sends its emails.</summary>
public sealed class EmailNotifierOptions
{
    /// <summary>The default of <see cref="Name"/>: <c>email</c>.</summary>
    public const string DefaultName = "email";

    /// <summary>The default of <see cref="Port"/>: 587 (submission, with STARTTLS).</summary>
    public const int DefaultPort = 587;

    /// <summary>The default of <see cref="SubjectTemplate"/>: <c>[{status}] {alertname} ({count})</c>.</summary>
    public const string DefaultSubjectTemplate = "[{status}] {alertname} ({count})";

    /// <summary>The default of <see cref="Timeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="Timeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The notifier's name, in logs and metrics. Default <see cref="DefaultName"/>; the DI registration sets it to the name it was given.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>The SMTP server's host name or address. Required.</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP server's port. Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>How the connection is secured. Default <see cref="EmailSecurity.StartTls"/>.</summary>
    public EmailSecurity Security { get; set; } = EmailSecurity.StartTls;

    /// <summary>The user name to authenticate with; <see langword="null"/> (the default) does not authenticate. Set with <see cref="Password"/>.</summary>
    public string? UserName { get; set; }

    /// <summary>The password to authenticate with. Never logged, nor printed by <see cref="ToString"/> or in validation messages.</summary>
    public string? Password { get; set; }

    /// <summary>The sender, as <c>alerts@example.com</c> or <c>"Alerts" &lt;alerts@example.com&gt;</c>. Required.</summary>
    public string? From { get; set; }

    /// <summary>The recipients (at least one), in the same forms as <see cref="From"/>.</summary>
    public IList<string> To { get; set; } = [];

    /// <summary>
    /// The subject: <c>{status}</c> (<c>FIRING</c> or <c>RESOLVED</c>), <c>{alertname}</c> (the group's rule, or the
    /// first alert's), <c>{count}</c> (alerts in the email), <c>{severity}</c> (the highest) are replaced. Default
    /// <see cref="DefaultSubjectTemplate"/>.
    /// </summary>
    public string SubjectTemplate { get; set; } = DefaultSubjectTemplate;

    /// <summary>How long connecting, authenticating and sending one email may take; a slower send counts as a transient failure. Default <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>The options without the password.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Email '{Name}' via {Host}:{Port} ({Security}), user {UserName ?? "(none)"}, password {(Password is null ? "not set" : "set")}, to {To?.Count ?? 0} recipient(s)");
}
