using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PerfKit.Monitoring.Tests.Notifications;

/// <summary>A real Kestrel listener on 127.0.0.1 (port 0) that records webhook posts and answers as a test scripts.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public ConcurrentQueue<Received> All { get; } = new();

    /// <summary>The answer once the script is used up; default 200.</summary>
    public Func<HttpContext, Task> Otherwise { get; set; } = static _ => Task.CompletedTask;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address + "/hook";
        return receiver;
    }

    public void Then(Func<HttpContext, Task> answer) => _script.Enqueue(answer);

    public void ThenStatus(int status, int times = 1, string? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            Then(c =>
            {
                c.Response.StatusCode = status;
                if (retryAfter is not null)
                {
                    c.Response.Headers.RetryAfter = retryAfter;
                }

                return Task.CompletedTask;
            });
        }
    }

    public async Task<Received> NextAsync()
    {
        using var timeout = new CancellationTokenSource(NotificationTestKit.TestTimeout);
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var received = new Received(
            buffer.ToArray(),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            context.Request.ContentType);
        All.Enqueue(received);
        _received.Writer.TryWrite(received);
        var answer = _script.TryDequeue(out var scripted) ? scripted : Otherwise;
        await answer(context);
    }

    public sealed record Received(byte[] Body, IReadOnlyDictionary<string, string> Headers, string? ContentType);
}
