using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using PerfKit.Testing.Reports;
using PerfKit.TestUtilities;

namespace PerfKit.Testing.Tests;

public sealed class HtmlReportTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static async Task<ReadinessReport> SampleReportAsync()
    {
        var clock = new VirtualLoadClock();
        var run = await LoadTest.RunAsync("GET /orders", context =>
        {
            // Mostly 2–6 ms, a 300 ms stall at iteration 400, and a failure every 50th call.
            clock.Advance(context.Iteration == 400 ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(2 + (context.Iteration % 5)));
            if (context.Iteration % 50 == 0)
            {
                context.Fail("status 503");
            }

            return ValueTask.CompletedTask;
        }, new OpenModel([LoadStage.RampTo(150, TimeSpan.FromSeconds(3)), LoadStage.Hold(150, TimeSpan.FromSeconds(4))]) { MaxSchedulerLag = TimeSpan.FromSeconds(1) }, clock, Ct);

        var stressClock = new VirtualLoadClock();
        var stress = await StressTest.FindKneeAsync("serial server", _ =>
        {
            stressClock.Advance(TimeSpan.FromMilliseconds(2));
            return ValueTask.CompletedTask;
        }, new StressOptions(50, TimeSpan.FromMilliseconds(20)) { StepDuration = TimeSpan.FromSeconds(2), MaxSchedulerLag = TimeSpan.FromHours(1) }, stressClock, Ct);

        return new ReadinessReport("orders <v2> & friends")
            .CheckLatency(run, 95, TimeSpan.FromMilliseconds(200))
            .CheckErrorRate(run, 0.05)
            .CheckGeneratorValid(run)
            .CheckKnee(stress, 300);
    }

    [Fact]
    public async Task Html_IsOneSelfContainedFile_WithItsCharts_AndEscapesText()
    {
        var report = await SampleReportAsync();

        var html = report.ToHtml();

        html.Should().StartWith("<!DOCTYPE html>");
        html.Should().NotContainAny(["<script", "src=", "href=", "@import", "url("], "the report must open offline, with nothing to fetch");
        html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", string.Empty, StringComparison.Ordinal).Should().NotContain("http", "no resource from the network");
        CountOf(html, "<svg class=\"chart\"").Should().Be(4, "three charts for the run, one for the stress search");
        html.Should().Contain("orders &lt;v2&gt; &amp; friends").And.NotContain("<v2>");
        html.Should().Contain("Knee <b>").And.Contain("status 503");

        using var json = System.Text.Json.JsonDocument.Parse(report.ToJson());
        var stress = json.RootElement.GetProperty("stress")[0];
        stress.GetProperty("kneePerSecond").GetDouble().Should().Be(report.StressSearches[0].Knee);
        stress.GetProperty("steps").GetArrayLength().Should().Be(report.StressSearches[0].Steps.Count);
    }

    [Fact]
    public async Task Html_OpensInHeadlessChromium_Offline_WithItsChartsRendered()
    {
        var chromium = FindChromium();
        Assert.SkipWhen(chromium is null, "Chromium is not installed (Debian: apt-get install chromium; or set PERFKIT_CHROMIUM); CI installs it.");

        var report = await SampleReportAsync();
        var folder = Directory.CreateTempSubdirectory("perfkit-html-");
        try
        {
            await report.WriteAsync(folder.FullName, Ct);
            var page = Path.Combine(folder.FullName, "readiness.html");
            var png = Path.Combine(folder.FullName, "readiness.png");
            var profile = Path.Combine(folder.FullName, "profile");

            // A dead proxy: anything the page tried to fetch from the network would fail.
            var start = new ProcessStartInfo(chromium!)
            {
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                    "--disable-background-networking", "--disable-extensions", "--proxy-server=http://127.0.0.1:9", "--force-device-scale-factor=1",
                    "--user-data-dir=" + profile, "--window-size=1200,2400", "--screenshot=" + png, new Uri(page).AbsoluteUri,
                },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            _ = process.StandardOutput.ReadToEndAsync(Ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            File.Exists(png).Should().BeTrue("Chromium wrote the screenshot (exit {0}): {1}", process.ExitCode, await stderr);

            if (Environment.GetEnvironmentVariable("PERFKIT_REPORT_ARTIFACTS") is { Length: > 0 } keep)
            {
                // For a human look at what Chromium rendered (CI or local).
                Directory.CreateDirectory(keep);
                File.Copy(page, Path.Combine(keep, "readiness.html"), overwrite: true);
                File.Copy(png, Path.Combine(keep, "readiness.png"), overwrite: true);
            }

            var pixels = Png.Decode(await File.ReadAllBytesAsync(png, Ct));
            pixels.Width.Should().Be(1200);
            var blue = pixels.Count(0x1f, 0x6f, 0xeb);
            var orange = pixels.Count(0xf0, 0x8c, 0x00);
            var green = pixels.Count(0x2d, 0xa4, 0x4e);
            var red = pixels.Count(0xcf, 0x22, 0x2e);
            TestContext.Current.TestOutputHelper?.WriteLine($"chart pixels: blue {blue}, orange {orange}, green {green}, red {red}");
            blue.Should().BeGreaterThan(300, "the corrected-latency and mean-latency lines and the stress curve are drawn");
            orange.Should().BeGreaterThan(300, "the uncorrected-latency and max-latency lines are drawn");
            green.Should().BeGreaterThan(5_000, "the iterations-per-second bars are drawn");
            red.Should().BeGreaterThan(100, "the failures, the broken stress steps and the NOT READY/FAIL marks are drawn");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Latency by percentile — GET /api/v2/customers/{id}/orders/summary")]
    [InlineData("Latency by percentile — GET /api/v2/orders/{id}/items?include=customer,invoices,shipments")]
    public void Chart_WithALongTitle_KeepsTheTitleClearOfTheLegend_AndInsideTheChart(string longTitle)
    {
        var svg = XDocument.Parse(new SvgChart(longTitle, "percentile", "latency (ms)")
            .X(0, 4.5)
            .Y(100)
            .Line("corrected", SvgChart.Blue, [(0, 1), (4.5, 90)])
            .Line("uncorrected", SvgChart.Orange, [(0, 1), (4.5, 40)], dashed: true)
            .Render());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var width = double.Parse(svg.Root!.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        var texts = svg.Root.Elements(ns + "text").ToList();
        var title = texts.Single(t => (string?)t.Attribute("class") == "t");
        var legend = texts.Where(t => t.Value is "corrected" or "uncorrected").ToList();

        legend.Should().HaveCount(2);
        var titleBox = Box(title, SvgChart.TitleCharWidth, 13);
        titleBox.Right.Should().BeLessThanOrEqualTo(width, "the title fits the chart ('{0}')", title.Value);
        foreach (var entry in legend)
        {
            var box = Box(entry, SvgChart.LegendCharWidth, 11);
            box.Right.Should().BeLessThanOrEqualTo(width);
            Overlap(titleBox, box).Should().BeFalse("the title ({0}) must not run into the legend entry '{1}' ({2})", titleBox, entry.Value, box);
        }
    }

    private static (double Left, double Top, double Right, double Bottom) Box(XElement text, double charWidth, double fontSize)
    {
        var x = double.Parse(text.Attribute("x")!.Value, CultureInfo.InvariantCulture);
        var y = double.Parse(text.Attribute("y")!.Value, CultureInfo.InvariantCulture);
        return (x, y - fontSize, x + (text.Value.Length * charWidth), y + 3);
    }

    private static bool Overlap((double Left, double Top, double Right, double Bottom) a, (double Left, double Top, double Right, double Bottom) b) =>
        a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    private static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable("PERFKIT_CHROMIUM") is { Length: > 0 } configured)
        {
            return configured;
        }

        return Executables.FindOnPath("chromium", "chromium-browser", "google-chrome", "chrome");
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Just enough PNG (8-bit RGB or RGBA, not interlaced) to count pixels of a colour in a screenshot.</summary>
    private sealed class Png(int width, int height, int channels, byte[] data)
    {
        public int Width { get; } = width;

        public int Height { get; } = height;

        public static Png Decode(byte[] file)
        {
            file.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }).Should().BeTrue("a PNG file");
            int width = 0, height = 0, channels = 0;
            using var idat = new MemoryStream();
            for (var at = 8; at < file.Length;)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
                var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
                var body = file.AsSpan(at + 8, length);
                if (type == "IHDR")
                {
                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    body[8].Should().Be(8, "8 bits per channel");
                    channels = body[9] switch { 2 => 3, 6 => 4, var other => throw new NotSupportedException($"PNG colour type {other}") };
                    body[12].Should().Be(0, "not interlaced");
                }
                else if (type == "IDAT")
                {
                    idat.Write(body);
                }

                at += 12 + length;
            }

            idat.Position = 0;
            using var inflated = new MemoryStream();
            using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            {
                z.CopyTo(inflated);
            }

            var raw = inflated.ToArray();
            var stride = width * channels;
            var pixels = new byte[height * stride];
            for (var y = 0; y < height; y++)
            {
                var filter = raw[y * (stride + 1)];
                var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
                var output = pixels.AsSpan(y * stride, stride);
                var above = y == 0 ? new byte[stride] : pixels.AsSpan((y - 1) * stride, stride).ToArray();
                for (var x = 0; x < stride; x++)
                {
                    int a = x >= channels ? output[x - channels] : 0, b = above[x], c = x >= channels ? above[x - channels] : 0;
                    output[x] = (byte)(line[x] + filter switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        4 => Paeth(a, b, c),
                        _ => throw new NotSupportedException($"PNG filter {filter}"),
                    });
                }
            }

            return new Png(width, height, channels, pixels);
        }

        public int Count(byte r, byte g, byte b)
        {
            var count = 0;
            for (var i = 0; i + 2 < data.Length; i += channels)
            {
                if (data[i] == r && data[i + 1] == g && data[i + 2] == b)
                {
                    count++;
                }
            }

            return count;
        }

        private static int Paeth(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
    }
}
