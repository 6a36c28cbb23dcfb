namespace PerfKit.Monitoring.Notifications;

/// <summary>
/// Thrown by an <see cref="IAlertNotifier"/> when a group was not delivered, to tell the dispatcher whether a retry can
/// help and how long the receiver asked to wait. Any other exception (and a timeout) counts as transient.
/// </summary>
public sealed class AlertDeliveryException : Exception
{
    /// <summary>Creates the exception for a transient failure.</summary>
    public AlertDeliveryException()
        : this("The notification was not delivered.")
    {
    }

    /// <summary>Creates the exception for a transient failure.</summary>
    /// <param name="message">What went wrong.</param>
    public AlertDeliveryException(string message)
        : this(message, isTransient: true)
    {
    }

    /// <summary>Creates the exception for a transient failure with its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AlertDeliveryException(string message, Exception? innerException)
        : this(message, isTransient: true, retryAfter: null, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="isTransient">Whether a retry can succeed (a 5xx, 408 or 429 answer); false for a rejection such as a 400 or 401.</param>
    /// <param name="retryAfter">How long the receiver asked to wait before the next attempt (an HTTP <c>Retry-After</c>), if it said.</param>
    /// <param name="innerException">The cause, if any.</param>
    public AlertDeliveryException(string message, bool isTransient, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
        RetryAfter = retryAfter;
    }

    /// <summary>Whether a retry can succeed; when false the dispatcher does not retry and counts a failure.</summary>
    public bool IsTransient { get; }

    /// <summary>How long the receiver asked to wait before the next attempt; <see langword="null"/> when it did not say.</summary>
    public TimeSpan? RetryAfter { get; }
}
