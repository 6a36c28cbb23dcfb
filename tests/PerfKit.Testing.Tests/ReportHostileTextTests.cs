using System.Text.Json;
using System.Xml.Linq;
using PerfKit.Testing.Reports;

namespace PerfKit.Testing.Tests;

/// <summary>Hostile-user item 2: user text (failure messages, reasons, titles) never breaks a report format.</summary>
public sealed class ReportHostileTextTests
{
    private const string Control = "bad \u0001 char";
    private const string LoneSurrogate = "half \ud800 pair";
    private const string Ansi = "\u001b[31mred\u001b[0m";
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static async Task<ReadinessReport> HostileReportAsync()
    {
        var clock = new VirtualLoadClock();
        var run = await LoadTest.RunAsync("run " + Control + LoneSurrogate, context =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            switch (context.Iteration % 4)
            {
                case 0: throw new InvalidOperationException(Control);
                case 1: throw new FormatException(LoneSurrogate + " " + Ansi);
                case 2: context.Fail("reason " + Ansi + " " + LoneSurrogate + "\u0002"); break;
            }

            return ValueTask.CompletedTask;
        }, new OpenModel(20, TimeSpan.FromSeconds(1)), clock, Ct);

        return new ReadinessReport("title " + Control + " " + LoneSurrogate + " " + Ansi)
            .CheckErrorRate(run, 0.01)
            .CheckLatency(run, 95, TimeSpan.FromSeconds(1))
            .Check("check \u0003 " + LoneSurrogate, false, "detail " + Ansi + "\ufffe");
    }

    [Fact]
    public async Task WriteAsync_ControlCharsLoneSurrogatesAndAnsiEscapes_WritesEveryFormatAndTheXmlParses()
    {
        var report = await HostileReportAsync();
        var directory = Path.Combine(Path.GetTempPath(), "perfkit-hostile-" + Guid.NewGuid().ToString("N"));
        try
        {
            await report.WriteAsync(directory, Ct);

            var junit = XDocument.Load(Path.Combine(directory, "readiness.junit.xml"));
            junit.Descendants("failure").Should().HaveCount(2);
            junit.Root!.Element("testsuite")!.Attribute("name")!.Value.Should().Contain("\\u0001").And.Contain("\\uD800");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "readiness.json"), Ct));
            json.RootElement.GetProperty("title").GetString().Should().Contain("\\u0001");
            var html = await File.ReadAllTextAsync(Path.Combine(directory, "readiness.html"), Ct);
            html.Should().Contain("\\u001B[31m").And.NotContain("\u001b").And.NotContain("\u0001");
            (await File.ReadAllTextAsync(Path.Combine(directory, "readiness.md"), Ct)).Should().NotContain("\u001b");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task EveryFormat_HostileText_RendersWithoutInvalidCharacters()
    {
        var report = await HostileReportAsync();

        foreach (var text in new[] { report.ToMarkdown(), report.ToJson(), report.ToJUnitXml(), report.ToHtml() })
        {
            text.Should().NotContain("\u0001").And.NotContain("\u001b").And.NotContain("\ufffe");
            text.Any(char.IsSurrogate).Should().BeFalse("a lone surrogate cannot be encoded");
        }

        FluentActions.Invoking(() => XDocument.Parse(report.ToJUnitXml())).Should().NotThrow();
    }
}
