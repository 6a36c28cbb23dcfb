using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace PerfKit.Monitoring.Email.Tests;

/// <summary>A real SMTP server (the SmtpServer package) in this process on 127.0.0.1, recording what it receives.</summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly Channel<MimeMessage> _messages = Channel.CreateUnbounded<MimeMessage>();
    private CancellationTokenSource? _stop;
    private Task? _running;

    public SmtpTestServer(int? port = null) => Port = port ?? FreePort();

    public int Port { get; }

    public (string User, string Password)? RequiredCredentials { get; init; }

    public bool RejectRecipients { get; init; }

    public int Received { get; private set; }

    private int _authenticationAttempts;

    /// <summary>AUTH commands the server answered, accepted or refused.</summary>
    public int AuthenticationAttempts => Volatile.Read(ref _authenticationAttempts);

    public void Start()
    {
        var endpoint = new EndpointDefinitionBuilder().Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
        if (RequiredCredentials is not null)
        {
            endpoint = endpoint.AuthenticationRequired(true).AllowUnsecureAuthentication(true);
        }

        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(endpoint.Build()).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        if (RejectRecipients)
        {
            services.Add(new DelegatingMailboxFilter((SmtpServer.Mail.IMailbox from, SmtpServer.Mail.IMailbox to) => false));
        }

        if (RequiredCredentials is { } credentials)
        {
            services.Add(new DelegatingUserAuthenticator((user, password) =>
            {
                Interlocked.Increment(ref _authenticationAttempts);
                return user == credentials.User && password == credentials.Password;
            }));
        }

        _stop = new CancellationTokenSource();
        var server = new SmtpServer.SmtpServer(options, services);
        _running = server.StartAsync(_stop.Token);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _stop = null;
    }

    public async Task<MimeMessage> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(SmtpTestServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            owner.Received++;
            owner._messages.Writer.TryWrite(message);
            return SmtpResponse.Ok;
        }
    }
}
