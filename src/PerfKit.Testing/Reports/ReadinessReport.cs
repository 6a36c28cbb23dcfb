using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using PerfKit.Shared;
using PerfKit.Testing.Internal;

namespace PerfKit.Testing.Reports;

/// <summary>
/// "Is this ready for production?" as named checks (latency SLOs, error rates, generator validity, memory budgets,
/// anything of your own), each passing or failing with its evidence, and a score. Written as Markdown (for a pull
/// request or test output), JSON (for tooling) and JUnit XML (for CI test tabs).
/// </summary>
public sealed class ReadinessReport
{
    private readonly List<ReadinessCheck> _checks = [];
    private readonly List<LoadResult> _runs = [];
    private readonly List<StressResult> _stress = [];

    /// <summary>Creates an empty report.</summary>
    /// <param name="title">The report's title, for example the service and version.</param>
    public ReadinessReport(string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        Title = title;
    }

    /// <summary>The report's title.</summary>
    public string Title { get; }

    /// <summary>The checks, in the order they were added.</summary>
    public IReadOnlyList<ReadinessCheck> Checks => _checks;

    /// <summary>The load runs the checks came from (their summaries appear in the Markdown report).</summary>
    public IReadOnlyList<LoadResult> Runs => _runs;

    /// <summary>The stress searches the checks came from (their steps and charts appear in the HTML and Markdown reports).</summary>
    public IReadOnlyList<StressResult> StressSearches => _stress;

    /// <summary>Whether every check passed (a report without checks does not pass).</summary>
    public bool Passed => _checks.Count > 0 && _checks.TrueForAll(c => c.Passed);

    /// <summary>The share of checks that passed, from 0 to 100.</summary>
    public double Score => _checks.Count == 0 ? 0 : 100.0 * _checks.Count(c => c.Passed) / _checks.Count;

    /// <summary>Adds a check of your own.</summary>
    /// <param name="name">What was checked.</param>
    /// <param name="passed">Whether it held.</param>
    /// <param name="detail">The evidence.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport Check(string name, bool passed, string detail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _checks.Add(new ReadinessCheck(name, passed, detail ?? string.Empty));
        return this;
    }

    /// <summary>Checks a latency percentile of a run against its SLO; an invalid run fails the check whatever its figures.</summary>
    /// <param name="run">The load run.</param>
    /// <param name="percentile">The percentile, 0–100.</param>
    /// <param name="limit">The SLO: the percentile must be below it.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckLatency(LoadResult run, double percentile, TimeSpan limit)
    {
        Track(run);
        var actual = run.Latency.Percentile(percentile);
        var name = Invariant($"p{percentile} latency of {run.Name} below {limit.TotalMilliseconds} ms");
        var measured = run.IsClosedModel
            ? Invariant($"measured {actual.TotalMilliseconds:0.###} ms; ") + LoadResult.ClosedModelNote
            : Invariant($"measured {actual.TotalMilliseconds:0.###} ms from the intended start (open model)");
        return run.IsValid
            ? Check(name, actual < limit, measured)
            : Check(name, false, "the run is invalid: " + run.InvalidReason);
    }

    /// <summary>Checks the error rate of a run.</summary>
    /// <param name="run">The load run.</param>
    /// <param name="maximum">The highest acceptable rate (0–1), exclusive.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckErrorRate(LoadResult run, double maximum)
    {
        Track(run);
        var reasons = string.Join(", ", run.FailuresByReason.OrderByDescending(f => f.Value).Select(f => Invariant($"{run.DescribeFailure(f.Key)} ×{f.Value}")));
        return Check(Invariant($"error rate of {run.Name} below {maximum:P2}"), run.ErrorRate < maximum, Invariant($"measured {run.ErrorRate:P2}") + (reasons.Length > 0 ? " (" + reasons + ")" : string.Empty));
    }

    /// <summary>Checks that the load generator kept up (no dropped arrivals, scheduler lag within bounds).</summary>
    /// <param name="run">The load run.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckGeneratorValid(LoadResult run)
    {
        Track(run);
        return Check($"generator of {run.Name} kept up", run.IsValid, run.InvalidReason ?? Invariant($"{run.Iterations:N0} iterations, {run.Dropped:N0} dropped"));
    }

    /// <summary>Checks a memory figure against a budget.</summary>
    /// <param name="name">What was measured, for example <c>working set after 1 h soak</c>.</param>
    /// <param name="bytes">The measured bytes.</param>
    /// <param name="budgetBytes">The budget: the figure must not exceed it.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckMemory(string name, long bytes, long budgetBytes) =>
        Check(Invariant($"{name} within {Units.MiB(budgetBytes, 1)} MiB"), bytes <= budgetBytes, Invariant($"measured {Units.MiB(bytes, 1)} MiB"));

    /// <summary>Checks that a stress search found a knee at or above the rate the service must sustain.</summary>
    /// <param name="stress">The stress search.</param>
    /// <param name="minimumRate">The arrival rate per second the service must sustain within its SLO.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckKnee(StressResult stress, double minimumRate)
    {
        ArgumentNullException.ThrowIfNull(stress);
        if (!_stress.Contains(stress))
        {
            _stress.Add(stress);
        }

        var detail = Invariant($"knee {stress.Knee:N0}/s after {stress.Steps.Count} steps; {stress.StoppedBecause}");
        return Check(Invariant($"{stress.Name} sustains {minimumRate:N0}/s within p{stress.Options.SloPercentile} < {stress.Options.SloLatency.TotalMilliseconds:0.###} ms"), stress.Knee >= minimumRate, detail);
    }

    /// <summary>Checks that a soak's live heap does not grow (no leak): its fitted growth per round must not exceed the limit.</summary>
    /// <param name="soak">The soak.</param>
    /// <param name="maxGrowthPerRoundBytes">The most growth allowed per round, in bytes.</param>
    /// <returns>The report, for chaining.</returns>
    public ReadinessReport CheckNoLeak(SoakResult soak, long maxGrowthPerRoundBytes)
    {
        ArgumentNullException.ThrowIfNull(soak);
        return Check(Invariant($"no leak in soak {soak.Name} (growth ≤ {Units.KiB(maxGrowthPerRoundBytes)} KiB a round)"), soak.GrowthPerRoundBytes <= maxGrowthPerRoundBytes, soak.ToString());
    }

    /// <summary>The report as Markdown: verdict, score, the checks, and each run's summary table.</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown()
    {
        var text = new StringBuilder()
            .AppendLine(Invariant($"# {Title}"))
            .AppendLine()
            .AppendLine(Invariant($"**{(Passed ? "READY" : "NOT READY")}** — score {Score:0.#}/100 ({_checks.Count(c => c.Passed)} of {_checks.Count} checks passed)"))
            .AppendLine()
            .AppendLine("| check | result | evidence |")
            .AppendLine("|---|---|---|");
        foreach (var check in _checks)
        {
            text.AppendLine(Invariant($"| {Cell(check.Name)} | {(check.Passed ? "pass" : "**FAIL**")} | {Cell(check.Detail)} |"));
        }

        foreach (var run in _runs)
        {
            text.AppendLine().AppendLine(run.ToString());
        }

        foreach (var stress in _stress)
        {
            text.AppendLine().AppendLine(stress.ToString());
        }

        return Clean(text.ToString());
    }

    /// <summary>The report as JSON: title, passed, score, checks; each run's counts, percentiles (ms) and per-second timeline; each stress search's knee and steps.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("title", Clean(Title));
            json.WriteBoolean("passed", Passed);
            json.WriteNumber("score", Math.Round(Score, 1));
            json.WriteStartArray("checks");
            foreach (var check in _checks)
            {
                json.WriteStartObject();
                json.WriteString("name", Clean(check.Name));
                json.WriteBoolean("passed", check.Passed);
                json.WriteString("detail", Clean(check.Detail));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("runs");
            foreach (var run in _runs)
            {
                json.WriteStartObject();
                json.WriteString("name", Clean(run.Name));
                json.WriteString("model", Clean(run.Model));
                json.WriteNumber("iterations", run.Iterations);
                json.WriteNumber("failures", run.Failures);
                json.WriteNumber("dropped", run.Dropped);
                json.WriteNumber("throughputPerSecond", Math.Round(run.Throughput, 2));
                json.WriteBoolean("valid", run.IsValid);
                if (run.InvalidReason is not null)
                {
                    json.WriteString("invalidReason", Clean(run.InvalidReason));
                }

                if (run.AbortedBecause is not null)
                {
                    json.WriteString("abortedBecause", Clean(run.AbortedBecause));
                }
                json.WriteStartArray("failuresByReason");
                foreach (var (reason, count) in run.FailuresByReason.OrderByDescending(f => f.Value))
                {
                    json.WriteStartObject();
                    json.WriteString("reason", Clean(reason));
                    json.WriteNumber("count", count);
                    json.WriteStartArray("messages");
                    foreach (var message in run.FailureMessages.GetValueOrDefault(reason) ?? [])
                    {
                        json.WriteStringValue(Clean(message));
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartObject("latencyMs");
                foreach (var p in LoadResult.SummaryPercentiles)
                {
                    json.WriteNumber(Invariant($"p{p}"), run.Latency.Percentile(p).TotalMilliseconds);
                }

                json.WriteNumber("max", run.Latency.Max.TotalMilliseconds);
                json.WriteEndObject();
                json.WriteStartArray("timeline");
                foreach (var second in run.Timeline)
                {
                    json.WriteStartObject();
                    json.WriteNumber("second", second.Second);
                    json.WriteNumber("iterations", second.Iterations);
                    json.WriteNumber("failures", second.Failures);
                    json.WriteNumber("meanMs", second.Mean.TotalMilliseconds);
                    json.WriteNumber("maxMs", second.Max.TotalMilliseconds);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("stress");
            foreach (var stress in _stress)
            {
                json.WriteStartObject();
                json.WriteString("name", Clean(stress.Name));
                json.WriteNumber("kneePerSecond", stress.Knee);
                json.WriteBoolean("limitedByGenerator", stress.LimitedByGenerator);
                json.WriteString("stoppedBecause", Clean(stress.StoppedBecause));
                json.WriteStartArray("steps");
                foreach (var step in stress.Steps)
                {
                    json.WriteStartObject();
                    json.WriteNumber("ratePerSecond", step.Rate);
                    json.WriteBoolean("sustained", step.Sustained);
                    json.WriteString("reason", Clean(step.Reason));
                    json.WriteNumber(Invariant($"p{stress.Options.SloPercentile}Ms"), step.Run.Latency.Percentile(stress.Options.SloPercentile).TotalMilliseconds);
                    json.WriteNumber("errorRate", step.Run.ErrorRate);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The report as JUnit XML (declared UTF-8; write it as UTF-8, as <see cref="WriteAsync"/> does): one test suite, one test case per check, a failure element for each failed check, and the runs' summaries as the suite's output.</summary>
    /// <returns>The XML text.</returns>
    public string ToJUnitXml()
    {
        // Written through UTF-8 bytes, not a StringBuilder: a writer over a string declares encoding="utf-16", and
        // the file (UTF-8, as every report file is written) would then be refused by XML parsers.
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) }))
        {
            xml.WriteStartElement("testsuites");
            xml.WriteStartElement("testsuite");
            xml.WriteAttributeString("name", Clean(Title));
            xml.WriteAttributeString("tests", _checks.Count.ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("failures", _checks.Count(c => !c.Passed).ToString(CultureInfo.InvariantCulture));
            foreach (var check in _checks)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", Clean(Title));
                xml.WriteAttributeString("name", Clean(check.Name));
                if (!check.Passed)
                {
                    xml.WriteStartElement("failure");
                    xml.WriteAttributeString("message", Clean(check.Detail));
                    xml.WriteString(Clean(check.Detail));
                    xml.WriteEndElement();
                }
                else
                {
                    xml.WriteElementString("system-out", Clean(check.Detail));
                }

                xml.WriteEndElement();
            }

            if (_runs.Count > 0)
            {
                // The runs' summaries (percentiles, failures with their first messages), as CI test tabs show a suite's output.
                xml.WriteElementString("system-out", Clean(string.Join(Environment.NewLine, _runs.Select(r => r.ToString()))));
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The report as one self-contained HTML page: verdict, checks, and for each run its percentile table, a
    /// latency-by-percentile chart (corrected and uncorrected), iterations per second and latency per second; for
    /// each stress search its steps and a latency-by-rate chart. Inline CSS and SVG only (no script, no CDN), so it
    /// opens offline and as a CI artifact.
    /// </summary>
    /// <returns>The HTML text.</returns>
    public string ToHtml() => Clean(HtmlReport.Render(this));

    /// <summary>Writes <c>readiness.md</c>, <c>readiness.json</c>, <c>readiness.junit.xml</c> and <c>readiness.html</c> to a folder (created if missing).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task that completes when the files are written.</returns>
    /// <remarks>
    /// User text (titles, reasons, exception messages) cannot break a format: characters that XML forbids and lone
    /// surrogates are written as text (<c>\u0001</c>). Each format is written even if another one fails; the failures
    /// are then thrown together as an <see cref="AggregateException"/>.
    /// </remarks>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        List<Exception>? failures = null;
        foreach (var (file, render) in new (string, Func<string>)[] { ("readiness.md", ToMarkdown), ("readiness.json", ToJson), ("readiness.junit.xml", ToJUnitXml), ("readiness.html", ToHtml) })
        {
            try
            {
                await File.WriteAllTextAsync(Path.Combine(directory, file), render(), cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Each format is written even if another fails; every failure is rethrown below.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                (failures ??= []).Add(new IOException(Invariant($"{file} was not written: {ex.Message}"), ex));
            }
        }

        if (failures is not null)
        {
            throw new AggregateException(Invariant($"{failures.Count} of the 4 readiness report files were not written in {directory}."), failures);
        }
    }

    private static string Clean(string? text) => ReportText.Clean(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private void Track(LoadResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!_runs.Contains(run))
        {
            _runs.Add(run);
        }
    }
}
