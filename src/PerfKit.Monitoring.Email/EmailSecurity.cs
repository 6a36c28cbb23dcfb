namespace PerfKit.Monitoring.Email;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum EmailSecurity
{
    /// <summary>TLS on connect for port 465, else STARTTLS when the server offers it (plain text when it does not).</summary>
    Auto = 0,

    /// <summary>No TLS: for a relay on localhost or a test server only; credentials would travel in clear.</summary>
    None = 1,

    /// <summary>Plain connect, then STARTTLS, which the server must offer (usually port 587). The default.</summary>
    StartTls = 2,

    /// <summary>TLS from the first byte (implicit TLS, usually port 465).</summary>
    SslOnConnect = 3,
}
