using System.Globalization;
using System.Reflection;
using System.Text;

namespace PerfKit.Testing.Reports;

/// <summary>Writes a <see cref="ReadinessReport"/> as one self-contained HTML file: inline CSS and SVG, no script, no CDN.</summary>
internal static class HtmlReport
{
    private const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1100px;margin:24px auto;padding:0 16px}
        h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
        .verdict{display:inline-block;padding:4px 12px;border-radius:6px;font-weight:600;color:#fff}.ready{background:#1a7f37}.not{background:#cf222e}
        table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
        td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
        .charts{display:flex;flex-wrap:wrap;gap:12px}svg.chart{background:#fff;border:1px solid #d0d7de;border-radius:6px;font-size:11px;fill:#57606a}
        svg .t{font-size:13px;font-weight:600;fill:#1f2328}svg .a{font-size:12px}.note{color:#57606a}
        """;

    public static string Render(ReadinessReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<title>{E(report.Title)} — readiness</title><style>{Style}</style></head><body>")
            .Append(CultureInfo.InvariantCulture, $"<h1>{E(report.Title)}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p><span class=\"verdict {(report.Passed ? "ready" : "not")}\">{(report.Passed ? "READY" : "NOT READY")}</span> score {report.Score:0.#}/100 — {report.Checks.Count(c => c.Passed)} of {report.Checks.Count} checks passed</p>")
            .Append("<h2>Checks</h2><table><tr><th>check</th><th>result</th><th>evidence</th></tr>");
        foreach (var check in report.Checks)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(check.Name)}</td><td class=\"{(check.Passed ? "pass\">pass" : "fail\">FAIL")}</td><td>{E(check.Detail)}</td></tr>");
        }

        html.Append("</table>");
        foreach (var run in report.Runs)
        {
            AppendRun(html, run);
        }

        foreach (var stress in report.StressSearches)
        {
            AppendStress(html, stress);
        }

        var version = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Written by PerfKit.Testing {E(version.Split('+')[0])}. Open-model latency is measured from each iteration's intended start (coordinated omission corrected).</p></body></html>\n");
        return html.ToString();
    }

    private static void AppendRun(StringBuilder html, LoadResult run)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>Run: {E(run.Name)}</h2><p>{E(run.Model)} — {run.Iterations:N0} iterations in {run.Duration.TotalSeconds:0.##} s, {run.Throughput:N0}/s, errors {run.ErrorRate * 100:0.##}%, ")
            .Append(run.IsValid ? "valid" : "<span class=\"fail\">INVALID</span>: " + E(run.InvalidReason!))
            .Append(run.WasAborted ? ", <span class=\"fail\">aborted</span>: " + E(run.AbortedBecause!) : string.Empty)
            .Append("</p>")
            .Append(run.IsClosedModel ? "<p class=\"note\">Note: " + E(LoadResult.ClosedModelNote) + ".</p>" : string.Empty)
            .Append("<table><tr><th>latency (ms)</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        foreach (var (label, h) in run.LatencyRows())
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(label)}</td>");
            foreach (var p in LoadResult.SummaryPercentiles)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{h.Percentile(p).TotalMilliseconds:0.###}</td>");
            }

            html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{h.Max.TotalMilliseconds:0.###}</td></tr>");
        }

        html.Append("</table>");
        if (run.FailuresByReason.Count > 0)
        {
            html.Append("<table><tr><th>failure</th><th>count</th><th>first messages</th></tr>");
            foreach (var (reason, count) in run.FailuresByReason.OrderByDescending(f => f.Value))
            {
                var messages = string.Join("<br>", (run.FailureMessages.GetValueOrDefault(reason) ?? []).Select(E));
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(reason)}</td><td class=\"n\">{count:N0}</td><td>{messages}</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<div class=\"charts\">").Append(PercentileChart(run)).Append(ThroughputChart(run)).Append(LatencyPerSecondChart(run)).Append("</div>");
    }

    // x = log10(1 / (1 - p)): 0 = p0, 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99; the max sits at 4.5.
    private static string PercentileChart(LoadResult run)
    {
        static IEnumerable<(double X, double Y)> Curve(LatencyHistogram h)
        {
            for (var x = 0.0; x <= 4.0001; x += 0.05)
            {
                yield return (x, h.Percentile(100 * (1 - Math.Pow(10, -x))).TotalMilliseconds);
            }

            yield return (4.5, h.Max.TotalMilliseconds);
        }

        var max = Math.Max(run.Latency.Max.TotalMilliseconds, run.UncorrectedLatency?.Max.TotalMilliseconds ?? 0);
        var chart = new SvgChart($"Latency by percentile — {run.Name}", "percentile", "latency (ms)")
            .X(0, 4.5, [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (4.5, "max")])
            .Y(max)
            .Line(run.UncorrectedLatency is null ? "latency" : "corrected", SvgChart.Blue, Curve(run.Latency));
        if (run.UncorrectedLatency is not null)
        {
            chart.Line("uncorrected", SvgChart.Orange, Curve(run.UncorrectedLatency), dashed: true);
        }

        return chart.Render();
    }

    private static string ThroughputChart(LoadResult run)
    {
        var seconds = Math.Max(1, run.Timeline.Count);
        return new SvgChart($"Iterations per second — {run.Name}", "second of the run", "iterations")
            .X(0, seconds, integerTicks: true)
            .Y(run.Timeline.Count == 0 ? 1 : run.Timeline.Max(s => s.Iterations))
            .Bars("passed", SvgChart.Green, run.Timeline.Select(s => ((double)s.Second, (double)s.Iterations)), 1)
            .Bars("failed", SvgChart.Red, run.Timeline.Select(s => ((double)s.Second, (double)s.Failures)), 1)
            .Render();
    }

    private static string LatencyPerSecondChart(LoadResult run)
    {
        var seconds = Math.Max(1, run.Timeline.Count);
        return new SvgChart($"Latency per second — {run.Name}", "second of the run", "latency (ms)")
            .X(0, seconds, integerTicks: true)
            .Y(run.Timeline.Count == 0 ? 1 : run.Timeline.Max(s => s.Max.TotalMilliseconds))
            .Line("max", SvgChart.Orange, run.Timeline.Select(s => (s.Second + 0.5, s.Max.TotalMilliseconds)))
            .Line("mean", SvgChart.Blue, run.Timeline.Select(s => (s.Second + 0.5, s.Mean.TotalMilliseconds)))
            .Render();
    }

    private static void AppendStress(StringBuilder html, StressResult stress)
    {
        var o = stress.Options;
        html.Append(CultureInfo.InvariantCulture, $"<h2>Stress: {E(stress.Name)}</h2><p>Knee <b>{stress.Knee:N0}/s</b> (p{o.SloPercentile} below {o.SloLatency.TotalMilliseconds:0.###} ms, errors at most {o.MaxErrorRate * 100:0.##}%); {E(stress.StoppedBecause)}.</p>")
            .Append("<table><tr><th>rate (/s)</th><th>sustained</th><th>p50 (ms)</th><th>p99 (ms)</th><th>errors</th><th>evidence</th></tr>");
        foreach (var step in stress.Steps)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"n\">{step.Rate:N0}</td><td class=\"{(step.Sustained ? "pass\">yes" : "fail\">no")}</td><td class=\"n\">{step.Run.Latency.Percentile(50).TotalMilliseconds:0.###}</td><td class=\"n\">{step.Run.Latency.Percentile(99).TotalMilliseconds:0.###}</td><td class=\"n\">{step.Run.ErrorRate * 100:0.##}%</td><td>{E(step.Reason)}</td></tr>");
        }

        html.Append("</table>");
        var points = stress.Steps.OrderBy(s => s.Rate).Select(s => (X: s.Rate, Y: s.Run.Latency.Percentile(o.SloPercentile).TotalMilliseconds, s.Sustained, s.Reason)).ToList();
        var yMax = Math.Max(o.SloLatency.TotalMilliseconds * 1.5, points.Count == 0 ? 1 : Math.Min(points.Max(p => p.Y), o.SloLatency.TotalMilliseconds * 4));
        var chart = new SvgChart($"p{o.SloPercentile.ToString(CultureInfo.InvariantCulture)} latency by arrival rate — {stress.Name}", "arrivals per second", "latency (ms)")
            .X(0, points.Count == 0 ? 1 : points.Max(p => p.X) * 1.05)
            .Y(yMax)
            .HorizontalRule("SLO", SvgChart.Red, o.SloLatency.TotalMilliseconds)
            .Line("p" + o.SloPercentile.ToString(CultureInfo.InvariantCulture), SvgChart.Blue, points.Select(p => (p.X, p.Y)))
            .Points(points.Select(p => (p.X, p.Y, p.Sustained ? SvgChart.Green : SvgChart.Red, string.Create(CultureInfo.InvariantCulture, $"{p.X:N0}/s: {p.Reason}"))));
        html.Append("<div class=\"charts\">").Append(chart.Render()).Append("</div>");
    }

    private static string E(string text) => SvgChart.Escape(text);
}
