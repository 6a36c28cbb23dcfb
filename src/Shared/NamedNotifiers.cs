using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Notifications;

namespace PerfKit.Shared;

/// <summary>
/// Registers an alert notifier by name (the webhooks of PerfKit.Monitoring, the email notifiers of
/// PerfKit.Monitoring.Email): its named options validated at start, and one notifier per options name, so a second
/// call with the same name adds its configure to the same notifier instead of adding another.
/// </summary>
internal static class NamedNotifiers
{
    /// <summary>Adds the named options and, on the first call for <paramref name="optionsName"/>, the notifier.</summary>
    /// <typeparam name="TOptions">The notifier's options.</typeparam>
    /// <typeparam name="TValidator">The options' validator (registered once).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The notifier's name, given to the options by <paramref name="setName"/>.</param>
    /// <param name="optionsName">The name of the notifier's options.</param>
    /// <param name="setName">Sets the notifier's name on its options (after every configure).</param>
    /// <param name="create">Creates the notifier from the service provider and its options.</param>
    /// <returns>The options builder, to configure or bind.</returns>
    public static OptionsBuilder<TOptions> Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        IServiceCollection services,
        string name,
        string optionsName,
        Action<TOptions, string> setName,
        Func<IServiceProvider, TOptions, IAlertNotifier> create)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = services.AddOptionsWithValidateOnStart<TOptions>(optionsName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        var registered = services.Any(d => d.ServiceType == typeof(Registration) && d.ImplementationInstance is Registration r && r.OptionsName == optionsName);
        if (!registered)
        {
            services.AddSingleton(new Registration(optionsName));
            options.PostConfigure(o => setName(o, name));
            services.AddSingleton(sp => create(sp, sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(optionsName)));
        }

        return options;
    }

    /// <summary>Marks an options name as registered, so a second call with it adds options rather than a notifier.</summary>
    private sealed record Registration(string OptionsName);
}
