using Microsoft.Extensions.Options;
using MimeKit;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Email.Internal;

/// <summary>The rules of <see cref="EmailNotifierOptions"/>; reports every failure, naming the option; never prints the password.</summary>
internal sealed class EmailNotifierOptionsValidator : IValidateOptions<EmailNotifierOptions>
{
    private const string Prefix = nameof(EmailNotifierOptions) + ".";

    public ValidateOptionsResult Validate(string? name, EmailNotifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        const string namePrefix = Microsoft.Extensions.DependencyInjection.PerfKitMonitoringEmailServiceCollectionExtensions.EmailNotifierOptionsName + ":";
        var shown = name is not null && name.StartsWith(namePrefix, StringComparison.Ordinal) ? name[namePrefix.Length..] : name;
        var where = string.IsNullOrEmpty(shown) ? string.Empty : $" (email '{shown}')";
        OptionsGuard.NotBlank(builder, Prefix + nameof(EmailNotifierOptions.Name) + where, options.Name);
        OptionsGuard.NotBlank(builder, Prefix + nameof(EmailNotifierOptions.Host) + where, options.Host);
        OptionsGuard.Between(builder, Prefix + nameof(EmailNotifierOptions.Port) + where, options.Port, 1, 65535);
        OptionsGuard.Defined(builder, Prefix + nameof(EmailNotifierOptions.Security) + where, options.Security);
        if (string.IsNullOrEmpty(options.UserName) != string.IsNullOrEmpty(options.Password))
        {
            builder.AddError("and Password must be set together (both to authenticate, neither not to).", Prefix + nameof(EmailNotifierOptions.UserName) + where);
        }

        if (options.Security == EmailSecurity.None && !string.IsNullOrEmpty(options.UserName) && !string.IsNullOrWhiteSpace(options.Host) && !IsLoopback(options.Host))
        {
            builder.AddError(
                $"is None with UserName and Password to '{options.Host}', not a loopback host: the password would cross the network in clear. Use StartTls or SslOnConnect (None with credentials only to a relay on this machine).",
                Prefix + nameof(EmailNotifierOptions.Security) + where);
        }

        if (string.IsNullOrWhiteSpace(options.From))
        {
            builder.AddError("must be set to the sender's address.", Prefix + nameof(EmailNotifierOptions.From) + where);
        }
        else if (!IsAddress(options.From))
        {
            builder.AddError($"must be an email address; it is '{options.From}'.", Prefix + nameof(EmailNotifierOptions.From) + where);
        }

        if (options.To is null || options.To.Count == 0)
        {
            builder.AddError("must name at least one recipient.", Prefix + nameof(EmailNotifierOptions.To) + where);
        }
        else
        {
            for (var i = 0; i < options.To.Count; i++)
            {
                if (!IsAddress(options.To[i]))
                {
                    builder.AddError($"must be an email address; it is '{options.To[i]}'.", $"{Prefix}{nameof(EmailNotifierOptions.To)}[{i}]{where}");
                }
            }
        }

        OptionsGuard.NotBlank(builder, Prefix + nameof(EmailNotifierOptions.SubjectTemplate) + where, options.SubjectTemplate);
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > EmailNotifierOptions.MaximumTimeout)
        {
            builder.AddError($"must be greater than {TimeSpan.Zero} and at most {EmailNotifierOptions.MaximumTimeout}; it is {options.Timeout}.", Prefix + nameof(EmailNotifierOptions.Timeout) + where);
        }

        return builder.Build();
    }

    /// <summary>An address MimeKit parses, with a local part and a domain (MimeKit alone takes a bare word).</summary>
    internal static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && MailboxAddress.TryParse(value, out var mailbox)
        && mailbox.Address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
        && at < mailbox.Address.Length - 1;

    /// <summary>Whether <paramref name="host"/> is this machine: <c>localhost</c> or a loopback address.</summary>
    internal static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(EmailNotifierOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new EmailNotifierOptionsValidator());
}
