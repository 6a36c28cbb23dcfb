using System.Globalization;

namespace PerfKit.Monitoring.Notifications;

/// <summary>Where and how a <see cref="WebhookNotifier"/> posts notifications.</summary>
public sealed class WebhookNotifierOptions
{
    /// <summary>The default of <see cref="Name"/>: <c>webhook</c>.</summary>
    public const string DefaultName = "webhook";

    /// <summary>The shortest <see cref="Secret"/>: 16 characters.</summary>
    public const int MinimumSecretLength = 16;

    /// <summary>The default of <see cref="Timeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="Timeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The notifier's name, in logs and metrics and as the default <see cref="Receiver"/>. Default <see cref="DefaultName"/>; the DI registration sets it to the name it was given.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>The absolute http or https URL that notifications are posted to. Required.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// The key of the HMAC-SHA256 signature in the <c>X-PerfKit-Signature</c> header (at least
    /// <see cref="MinimumSecretLength"/> characters); <see langword="null"/> (the default) sends no signature. Never
    /// logged nor printed by <see cref="ToString"/>.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>The <c>receiver</c> field of the payload; default <see cref="Name"/>.</summary>
    public string? Receiver { get; set; }

    /// <summary>The <c>externalURL</c> field of the payload (a link back to the service, for instance its dashboard); default empty.</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>How long one POST may take; a slower one counts as a transient failure and is retried. Default <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>The most alerts in one payload (Alertmanager's <c>max_alerts</c>); the rest are counted in <c>truncatedAlerts</c>. 0 (the default) sends all.</summary>
    public int MaxAlerts { get; set; }

    /// <summary>The options without the secret: <c>Name</c>, the URL's scheme and host, and whether a secret is set.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
    {
        var target = Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}/…" : "(no valid URL)";
        return string.Create(CultureInfo.InvariantCulture, $"Webhook '{Name}' to {target}, signed: {(Secret is null ? "no" : "yes")}, timeout {Timeout}");
    }
}
