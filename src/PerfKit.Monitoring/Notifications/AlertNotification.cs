using PerfKit.Monitoring.Alerting;

namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// One alert as the rule engine publishes it to an <see cref="IAlertSink"/> when it starts or stops firing, and as
/// notifiers send it. Immutable.
/// </summary>
public sealed class AlertNotification
{
    /// <summary>The name of the rule that raised the alert (also the <c>alertname</c> label).</summary>
    public required string RuleName { get; init; }

    /// <summary>Firing or resolved.</summary>
    public required AlertStatus Status { get; init; }

    /// <summary>The rule's severity (also the <c>severity</c> label).</summary>
    public required AlertSeverity Severity { get; init; }

    /// <summary>
    /// The labels that identify the alert: <c>alertname</c>, <c>severity</c>, the rule's own labels and the tags of the
    /// series that breached. Two notifications with the same labels are the same alert.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Human-readable details that do not identify the alert: <c>summary</c>, <c>description</c>, the expected band of an anomaly, a trend's projection.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = EmptyAnnotations;

    /// <summary>When the alert started firing (after its for-duration).</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>When the alert resolved; <see langword="null"/> while it fires.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>The value of the rule's expression at the transition; <see langword="null"/> when there was none.</summary>
    public double? Value { get; init; }

    /// <summary>
    /// A stable identity of the alert, the same on every replica of a service and across restarts: 16 lower-case hex
    /// digits of a 64-bit FNV-1a hash of the sorted labels (see <see cref="ComputeFingerprint"/>). Receivers deduplicate
    /// copies from several replicas by it.
    /// </summary>
    public required string Fingerprint { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyAnnotations = new Dictionary<string, string>();

    /// <summary>
    /// The fingerprint of a label set: FNV-1a 64 over each label, sorted by name (ordinal), as UTF-8
    /// <c>name</c>, byte 0xFF, <c>value</c>, byte 0xFF; printed as 16 lower-case hex digits.
    /// </summary>
    /// <param name="labels">The alert's labels.</param>
    /// <returns>The fingerprint.</returns>
    public static string ComputeFingerprint(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        var names = labels.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        Span<byte> buffer = stackalloc byte[256];
        foreach (var name in names)
        {
            hash = Add(hash, name, buffer);
            hash = (hash ^ 0xFF) * prime;
            hash = Add(hash, labels[name], buffer);
            hash = (hash ^ 0xFF) * prime;
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

        static ulong Add(ulong hash, string text, Span<byte> buffer)
        {
            var bytes = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
                ? buffer[..System.Text.Encoding.UTF8.GetBytes(text, buffer)]
                : System.Text.Encoding.UTF8.GetBytes(text);
            foreach (var b in bytes)
            {
                hash = (hash ^ b) * prime;
            }

            return hash;
        }
    }
}
