using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// Binds <see cref="MonitoringOptions"/> from configuration strictly: an unknown key fails (the binder's
/// <see cref="BinderOptions.ErrorOnUnknownConfiguration"/>), except the sections the notification packages put beside
/// the options (<c>Notifications</c>, <c>Webhooks</c>, <c>Email</c>), and an empty value of a non-text field fails
/// naming the rule and the field (the binder would silently keep the default).
/// </summary>
internal static class MonitoringConfiguration
{
    /// <summary>Sections of the monitoring section that belong to the notifiers, bound by their own calls.</summary>
    internal static readonly string[] NotifierSections = ["Notifications", "Webhooks", "Email"];

    // Text fields, where an empty value is a value; and collections, whose empty value is an empty list.
    private static readonly HashSet<string> RuleTextOrListFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Name", "Metric", "Meter", "Summary", "Tags", "GroupBy", "Labels", "BurnRateWindows",
    };

    private static readonly HashSet<string> TextOrListFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Meters", "SeriesTags", "Rules", "HealthChecks", "LatencyMetric",
    };

    public static void Bind(IConfiguration configuration, MonitoringOptions options)
    {
        try
        {
            new WithoutNotifierSections(configuration).Bind(options, static b => b.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            var path = configuration is IConfigurationSection section ? section.Path : "the configuration";
            throw new InvalidOperationException($"{path}: {ex.Message}", ex);
        }
    }

    public static ValidateOptionsResult ValidateEmptyValues(IConfiguration configuration)
    {
        var builder = new ValidateOptionsResultBuilder();
        foreach (var child in configuration.GetChildren())
        {
            if (child.Value is "" && !TextOrListFields.Contains(child.Key) && !NotifierSections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                builder.AddError("is empty; give a value or remove the key for the default.", $"{nameof(MonitoringOptions)}.{child.Key}");
            }
        }

        var index = 0;
        foreach (var rule in configuration.GetSection(nameof(MonitoringOptions.Rules)).GetChildren())
        {
            var name = rule[nameof(Alerting.AlertRuleOptions.Name)];
            var shown = string.IsNullOrEmpty(name) ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : name;
            foreach (var field in rule.GetChildren())
            {
                if (field.Value is "" && !RuleTextOrListFields.Contains(field.Key))
                {
                    builder.AddError("is empty; give a value or remove the key for the default.", $"{nameof(MonitoringOptions)}.Rules[{shown}].{field.Key}");
                }
            }

            index++;
        }

        return builder.Build();
    }

    /// <summary>The section without the notifiers' sections at its top level: the binder sees only the options' keys.</summary>
    private sealed class WithoutNotifierSections(IConfiguration inner) : IConfiguration
    {
        public string? this[string key]
        {
            get => inner[key];
            set => inner[key] = value;
        }

        public IEnumerable<IConfigurationSection> GetChildren() =>
            inner.GetChildren().Where(static c => !NotifierSections.Contains(c.Key, StringComparer.OrdinalIgnoreCase));

        public IChangeToken GetReloadToken() => inner.GetReloadToken();

        public IConfigurationSection GetSection(string key) => inner.GetSection(key);
    }
}

/// <summary>Reports empty values of non-text fields in the bound section (see <see cref="MonitoringConfiguration"/>).</summary>
internal sealed class MonitoringConfigurationValidator(IConfiguration configuration) : IValidateOptions<MonitoringOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringOptions options) =>
        name == Options.DefaultName ? MonitoringConfiguration.ValidateEmptyValues(configuration) : ValidateOptionsResult.Skip;
}
