using System.Globalization;

namespace PerfKit.Testing;

/// <summary>
/// Scenarios that send an HTTP request through an <see cref="HttpClient"/> to any URL (a real Kestrel on 127.0.0.1,
/// a staging host…): the response body is read to its end, as a real client would, and a response that does not
/// pass the check fails the iteration with a reason such as <c>status 503</c>. Exceptions (connection refused,
/// timeouts) fail it by exception type.
/// </summary>
public static class HttpScenario
{
    /// <summary>A GET of <paramref name="url"/>; any status outside 200–299 fails the iteration as <c>status NNN</c>.</summary>
    /// <param name="client">The client (its <see cref="HttpClient.BaseAddress"/> resolves relative URLs).</param>
    /// <param name="url">The URL, absolute or relative to the base address.</param>
    /// <returns>The scenario.</returns>
    public static Func<ScenarioContext, ValueTask> Get(HttpClient client, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var uri = new Uri(url, UriKind.RelativeOrAbsolute);
        return Send(client, () => new HttpRequestMessage(HttpMethod.Get, uri));
    }

    /// <summary>A request made fresh for every iteration, with an optional check of the response.</summary>
    /// <param name="client">The client.</param>
    /// <param name="request">Makes the request (a request message can be sent only once).</param>
    /// <param name="check">Returns why the response fails, or <see langword="null"/> when it passes; default: a status outside 200–299 fails as <c>status NNN</c>. It runs before the body is read.</param>
    /// <returns>The scenario.</returns>
    public static Func<ScenarioContext, ValueTask> Send(HttpClient client, Func<HttpRequestMessage> request, Func<HttpResponseMessage, string?>? check = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        check ??= DefaultCheck;
        return async ValueTask (ScenarioContext context) =>
        {
            using var message = request();
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken).ConfigureAwait(false);
            if (check(response) is { } failure)
            {
                context.Fail(failure);
            }

            using var body = await response.Content.ReadAsStreamAsync(context.CancellationToken).ConfigureAwait(false);
            await body.CopyToAsync(Stream.Null, context.CancellationToken).ConfigureAwait(false);
        };
    }

    private static readonly string[] StatusReasons = CreateStatusReasons();

    private static string? DefaultCheck(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        return status is >= 200 and <= 299 ? null : status is >= 100 and <= 599 ? StatusReasons[status - 100] : "status " + status.ToString(CultureInfo.InvariantCulture);
    }

    private static string[] CreateStatusReasons()
    {
        var reasons = new string[500];
        for (var i = 0; i < reasons.Length; i++)
        {
            reasons[i] = "status " + (i + 100).ToString(CultureInfo.InvariantCulture);
        }

        return reasons;
    }
}
