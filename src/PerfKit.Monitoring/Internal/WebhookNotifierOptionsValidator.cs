using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Notifications;
using PerfKit.Shared;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The rules of <see cref="WebhookNotifierOptions"/>; reports every failure, naming the option. Never prints the
/// secret, nor a URL (which may carry a token): only what is wrong with it.
/// </summary>
internal sealed class WebhookNotifierOptionsValidator : IValidateOptions<WebhookNotifierOptions>
{
    private const string Prefix = nameof(WebhookNotifierOptions) + ".";

    public ValidateOptionsResult Validate(string? name, WebhookNotifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        const string namePrefix = Microsoft.Extensions.DependencyInjection.PerfKitMonitoringNotificationsExtensions.WebhookNotifierOptionsName + ":";
        var shown = name is not null && name.StartsWith(namePrefix, StringComparison.Ordinal) ? name[namePrefix.Length..] : name;
        var where = string.IsNullOrEmpty(shown) ? string.Empty : $" (webhook '{shown}')";
        OptionsGuard.NotBlank(builder, Prefix + nameof(WebhookNotifierOptions.Name) + where, options.Name);
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            builder.AddError("must be set to the absolute http or https URL to post to.", Prefix + nameof(WebhookNotifierOptions.Url) + where);
        }
        else
        {
            CheckUrl(builder, nameof(WebhookNotifierOptions.Url) + where, options.Url);
        }

        if (options.ExternalUrl is { Length: > 0 } external)
        {
            CheckUrl(builder, nameof(WebhookNotifierOptions.ExternalUrl) + where, external);
        }

        if (options.Secret is { } secret && secret.Length < WebhookNotifierOptions.MinimumSecretLength)
        {
            builder.AddError($"must be at least {WebhookNotifierOptions.MinimumSecretLength} characters when set; it has {secret.Length}.", Prefix + nameof(WebhookNotifierOptions.Secret) + where);
        }

        NotificationDispatcherOptionsValidator.Range(builder, nameof(WebhookNotifierOptions.Timeout) + where, options.Timeout, TimeSpan.Zero, WebhookNotifierOptions.MaximumTimeout, allowZero: false, Prefix);
        OptionsGuard.AtLeast(builder, Prefix + nameof(WebhookNotifierOptions.MaxAlerts) + where, options.MaxAlerts, 0, " (0: all)");
        return builder.Build();
    }

    /// <summary>Runs the validator; used where there is no DI container to do it.</summary>
    public static void ThrowIfInvalid(WebhookNotifierOptions options) =>
        OptionsGuard.ThrowIfInvalid(options, Options.DefaultName, new WebhookNotifierOptionsValidator());

    private static void CheckUrl(ValidateOptionsResultBuilder builder, string property, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            builder.AddError("must be an absolute http or https URL; it is not an absolute URL.", Prefix + property);
        }
        else if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            builder.AddError($"must be an absolute http or https URL; its scheme is '{uri.Scheme}'.", Prefix + property);
        }
    }
}
