using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PerfKit.Monitoring.Internal;

namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// Posts each group as JSON in Alertmanager's webhook format (version 4), so receivers written for Alertmanager work
/// unchanged; signs the body with HMAC-SHA256 when a <see cref="WebhookNotifierOptions.Secret"/> is set.
/// </summary>
/// <remarks>
/// <para>
/// Signature: <see cref="TimestampHeader"/> carries the Unix time in seconds of the attempt, and
/// <see cref="SignatureHeader"/> carries <c>sha256=</c> followed by the lower-case hex HMAC-SHA256, keyed with the
/// secret's UTF-8 bytes, of the timestamp, a dot, and the raw body bytes (<c>{timestamp}.{body}</c>). A receiver
/// recomputes it over the bytes it received, compares in constant time, and rejects a timestamp older than a few
/// minutes, which stops replays.
/// </para>
/// <para>
/// Answers: 2xx is delivered; 408, 429 and 5xx throw a transient <see cref="AlertDeliveryException"/> (retried, after
/// the <c>Retry-After</c> the receiver asked for, if longer than the backoff); any other answer throws a permanent one
/// (not retried). A connection failure or <see cref="WebhookNotifierOptions.Timeout"/> is transient.
/// </para>
/// </remarks>
public sealed class WebhookNotifier : IAlertNotifier, IDisposable, IAsyncDisposable
{
    /// <summary>The header with the body's signature: <c>sha256=&lt;hex&gt;</c>.</summary>
    public const string SignatureHeader = "X-PerfKit-Signature";

    /// <summary>The header with the signed Unix time in seconds.</summary>
    public const string TimestampHeader = "X-PerfKit-Timestamp";

    private const string ZeroTime = "0001-01-01T00:00:00Z";

    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly byte[]? _key;
    private readonly string _receiver;
    private readonly string _externalUrl;
    private readonly TimeSpan _timeout;
    private readonly int _maxAlerts;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Creates the notifier.</summary>
    /// <param name="options">Where and how to post; validated here.</param>
    /// <param name="dependencies">The clock and, for a proxy or tests, the HTTP handler (not disposed by the notifier); <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public WebhookNotifier(WebhookNotifierOptions options, PerfKitMonitoringDependencies? dependencies = null)
    {
        WebhookNotifierOptionsValidator.ThrowIfInvalid(options);
        Name = options.Name;
        _url = new Uri(options.Url!, UriKind.Absolute);
        _key = options.Secret is null ? null : Encoding.UTF8.GetBytes(options.Secret);
        _receiver = options.Receiver ?? options.Name;
        _externalUrl = options.ExternalUrl ?? string.Empty;
        _timeout = options.Timeout;
        _maxAlerts = options.MaxAlerts;
        _time = dependencies?.TimeProvider ?? TimeProvider.System;
        _client = dependencies?.HttpMessageHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true);
        _client.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Posts the group; throws <see cref="AlertDeliveryException"/> when it was not delivered.</summary>
    /// <param name="notifications">The group (an <see cref="AlertGroup"/> from the dispatcher, or any list).</param>
    /// <param name="cancellationToken">Cancels the post.</param>
    /// <returns>A task that completes when the receiver answered 2xx.</returns>
    public async Task SendAsync(IReadOnlyList<AlertNotification> notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var body = JsonSerializer.SerializeToUtf8Bytes(BuildPayload(notifications), WebhookJsonContext.Default.WebhookPayload);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("PerfKit.Monitoring", "1"));
        if (_key is not null)
        {
            var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_key, timestamp, body));
        }

        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new AlertDeliveryException($"Webhook '{Name}' did not answer within {_timeout}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new AlertDeliveryException($"Webhook '{Name}' could not be reached: {ex.Message}", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = (int)response.StatusCode;
            var transient = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            throw new AlertDeliveryException(
                string.Create(CultureInfo.InvariantCulture, $"Webhook '{Name}' answered {status} {response.ReasonPhrase}{(transient ? "" : "; a retry cannot help")}."),
                transient,
                transient ? RetryAfter(response) : null);
        }
    }

    /// <summary>Disposes the HTTP client (and the handler, unless it came from the dependencies). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Dispose();
        }
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Computes the <see cref="SignatureHeader"/> value: <c>sha256=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c>.</summary>
    internal static string Sign(byte[] key, string timestamp, byte[] body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp + "."));
        hmac.AppendData(body);
        return "sha256=" + Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private WebhookPayload BuildPayload(IReadOnlyList<AlertNotification> notifications)
    {
        var group = notifications as AlertGroup;
        var sent = _maxAlerts > 0 && notifications.Count > _maxAlerts ? notifications.Take(_maxAlerts).ToArray() : notifications;
        var groupLabels = group?.Labels ?? (notifications.Count > 0
            ? new Dictionary<string, string>(StringComparer.Ordinal) { ["alertname"] = notifications[0].RuleName }
            : new Dictionary<string, string>(StringComparer.Ordinal));
        var firing = notifications.Any(static n => n.Status == AlertStatus.Firing);
        return new WebhookPayload
        {
            GroupKey = group?.Key ?? "{}:{" + string.Join(", ", groupLabels.OrderBy(static l => l.Key, StringComparer.Ordinal).Select(static l => $"{l.Key}=\"{l.Value}\"")) + "}",
            TruncatedAlerts = notifications.Count - sent.Count,
            Status = firing ? "firing" : "resolved",
            Receiver = _receiver,
            GroupLabels = groupLabels,
            CommonLabels = Common(notifications, static n => n.Labels),
            CommonAnnotations = Common(notifications, static n => n.Annotations),
            ExternalUrl = _externalUrl,
            Alerts = [.. sent.Select(static n => new WebhookAlert
            {
                Status = n.Status == AlertStatus.Firing ? "firing" : "resolved",
                Labels = n.Labels,
                Annotations = n.Annotations,
                StartsAt = Format(n.StartsAt),
                EndsAt = n.Status == AlertStatus.Resolved && n.EndsAt is { } end ? Format(end) : ZeroTime,
                GeneratorUrl = string.Empty,
                Fingerprint = n.Fingerprint,
            })],
        };
    }

    private static Dictionary<string, string> Common(IReadOnlyList<AlertNotification> notifications, Func<AlertNotification, IReadOnlyDictionary<string, string>> read)
    {
        var common = new Dictionary<string, string>(StringComparer.Ordinal);
        if (notifications.Count == 0)
        {
            return common;
        }

        foreach (var (name, value) in read(notifications[0]))
        {
            var shared = true;
            for (var i = 1; i < notifications.Count && shared; i++)
            {
                shared = read(notifications[i]).TryGetValue(name, out var other) && other == value;
            }

            if (shared)
            {
                common[name] = value;
            }
        }

        return common;
    }

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
