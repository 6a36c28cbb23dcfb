using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PerfKit.Monitoring.Alerting;
using PerfKit.TestUtilities;

namespace PerfKit.Monitoring.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Monitoring/README.md", "samples/PerfKit.Showcase/MonitoringQuickStart.cs", "samples/PerfKit.Showcase/MonitoringNotificationsQuickStart.cs");

    [Fact]
    public void AppsettingsExample_BindsTwoValidRules()
    {
        var readme = File.ReadAllText(Path.Combine(DocumentationSnippets.RepositoryRoot, "src/PerfKit.Monitoring/README.md"));
        var json = Regex.Match(readme, "```json\\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddPerfKitMonitoring(configuration.GetSection("PerfKit:Monitoring"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MonitoringOptions>>().Value;

        options.Rules.Select(r => r.Name).Should().Equal("slow-orders", "heap-leak");
        options.Rules[0].Tags.Should().Contain("http.route", "/orders/{id}");
        options.Rules[1].Kind.Should().Be(AlertRuleKind.Trend);
        provider.GetServices<IValidateOptions<MonitoringOptions>>().Select(v => v.Validate(Options.DefaultName, options))
            .Should().NotBeEmpty().And.OnlyContain(r => !r.Failed);
    }
}
