using PerfKit.Testing.Internal;
using System.Globalization;
using System.Net;
using System.Text;

namespace PerfKit.Testing.Reports;

/// <summary>Minimal inline SVG charts for the HTML report: no script, no external resource, so the file opens offline.</summary>
internal sealed class SvgChart
{
    public const string Blue = "#1f6feb";
    public const string Orange = "#f08c00";
    public const string Grey = "#8b949e";
    public const string Green = "#2da44e";
    public const string Red = "#cf222e";

    /// <summary>Estimated advance of one character of the 13 px bold title, for layout.</summary>
    internal const double TitleCharWidth = 8;

    /// <summary>Estimated advance of one character of the 11 px legend text, for layout.</summary>
    internal const double LegendCharWidth = 6.2;

    private const double Width = 680;
    private const double Height = 280;
    private const double Left = 64;
    private const double Right = 16;

    // The title has the first row to itself and the legend the second, so a long title never runs into the legend.
    private const double TitleBaseline = 17;
    private const double LegendBaseline = 35;
    private const double Top = 46;
    private const double Bottom = 44;

    private readonly StringBuilder _body = new();
    private readonly List<(string Label, string Color, bool Dashed)> _legend = [];
    private readonly string _title;
    private readonly string _xLabel;
    private readonly string _yLabel;
    private double _xMin;
    private double _xMax = 1;
    private double _yMax = 1;
    private IReadOnlyList<(double X, string Label)>? _xTicks;
    private bool _integerTicks;

    public SvgChart(string title, string xLabel, string yLabel)
    {
        _title = title;
        _xLabel = xLabel;
        _yLabel = yLabel;
    }

    private static double PlotWidth => Width - Left - Right;

    private static double PlotHeight => Height - Top - Bottom;

    public SvgChart X(double min, double max, IReadOnlyList<(double X, string Label)>? ticks = null, bool integerTicks = false)
    {
        _integerTicks = integerTicks;
        _xMin = min;
        _xMax = max > min ? max : min + 1;
        _xTicks = ticks;
        return this;
    }

    public SvgChart Y(double max)
    {
        _yMax = NiceCeiling(max > 0 ? max * 1.08 : 1);
        return this;
    }

    public SvgChart Line(string label, string color, IEnumerable<(double X, double Y)> points, bool dashed = false)
    {
        var path = string.Join(" ", points.Select(p => F(Px(p.X)) + "," + F(Py(p.Y))));
        if (path.Length > 0)
        {
            _body.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"{(dashed ? " stroke-dasharray=\"6 4\"" : string.Empty)} points=\"{path}\"/>");
        }

        _legend.Add((label, color, dashed));
        return this;
    }

    public SvgChart Bars(string label, string color, IEnumerable<(double X, double Y)> bars, double barWidth)
    {
        var width = Math.Max(1, (barWidth / (_xMax - _xMin) * PlotWidth) - 1);
        foreach (var (x, y) in bars)
        {
            if (y <= 0)
            {
                continue;
            }

            var top = Py(y);
            _body.Append(CultureInfo.InvariantCulture, $"<rect class=\"series\" fill=\"{color}\" x=\"{F(Px(x))}\" y=\"{F(top)}\" width=\"{F(width)}\" height=\"{F(Top + PlotHeight - top)}\"/>");
        }

        _legend.Add((label, color, false));
        return this;
    }

    public SvgChart Points(IEnumerable<(double X, double Y, string Color, string Tip)> points)
    {
        foreach (var (x, y, color, tip) in points)
        {
            _body.Append(CultureInfo.InvariantCulture, $"<circle class=\"series\" cx=\"{F(Px(x))}\" cy=\"{F(Py(y))}\" r=\"6\" fill=\"{color}\"><title>{Escape(tip)}</title></circle>");
        }

        return this;
    }

    public SvgChart HorizontalRule(string label, string color, double y)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<line stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" x1=\"{F(Left)}\" x2=\"{F(Left + PlotWidth)}\" y1=\"{F(Py(y))}\" y2=\"{F(Py(y))}\"/>");
        _legend.Add((label, color, true));
        return this;
    }

    public string Render()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{Escape(_title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left)}\" y=\"{F(TitleBaseline)}\" class=\"t\">{Escape(Fit(_title, (Width - Left - Right) / TitleCharWidth))}</text>");

        // Grid and y ticks.
        var step = _yMax / 5;
        for (var i = 0; i <= 5; i++)
        {
            var y = Py(i * step);
            svg.Append(CultureInfo.InvariantCulture, $"<line stroke=\"#d0d7de\" stroke-width=\"1\" x1=\"{F(Left)}\" x2=\"{F(Left + PlotWidth)}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Number(i * step)}</text>");
        }

        var ticks = _xTicks ?? NiceTicks(_xMin, _xMax, _integerTicks);
        foreach (var (x, label) in ticks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(x))}\" y=\"{F(Top + PlotHeight + 16)}\" text-anchor=\"middle\">{Escape(label)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + (PlotWidth / 2))}\" y=\"{F(Height - 6)}\" text-anchor=\"middle\" class=\"a\">{Escape(_xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {F(Top + (PlotHeight / 2))}) rotate(-90)\" text-anchor=\"middle\" class=\"a\">{Escape(_yLabel)}</text>");
        svg.Append(_body);
        svg.Append(CultureInfo.InvariantCulture, $"<line stroke=\"#57606a\" x1=\"{F(Left)}\" x2=\"{F(Left)}\" y1=\"{F(Top)}\" y2=\"{F(Top + PlotHeight)}\"/><line stroke=\"#57606a\" x1=\"{F(Left)}\" x2=\"{F(Left + PlotWidth)}\" y1=\"{F(Top + PlotHeight)}\" y2=\"{F(Top + PlotHeight)}\"/>");

        // Legend, right-aligned on the row below the title.
        var lx = Width - Right;
        for (var i = _legend.Count - 1; i >= 0; i--)
        {
            var (label, color, dashed) = _legend[i];
            var width = 26 + (label.Length * LegendCharWidth);
            lx -= width + 10;
            svg.Append(CultureInfo.InvariantCulture, $"<line stroke=\"{color}\" stroke-width=\"3\"{(dashed ? " stroke-dasharray=\"6 4\"" : string.Empty)} x1=\"{F(lx)}\" x2=\"{F(lx + 20)}\" y1=\"{F(LegendBaseline - 4)}\" y2=\"{F(LegendBaseline - 4)}\"/><text x=\"{F(lx + 24)}\" y=\"{F(LegendBaseline)}\">{Escape(label)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    internal static string Escape(string text) => WebUtility.HtmlEncode(ReportText.Clean(text));

    /// <summary>The text cut to <paramref name="characters"/> (with an ellipsis); the full title stays in the SVG's tooltip.</summary>
    private static string Fit(string text, double characters) =>
        text.Length <= characters ? text : string.Concat(text.AsSpan(0, Math.Max(1, (int)characters - 1)), "…");

    internal static string Number(double value) => value switch
    {
        >= 10_000 => (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static List<(double X, string Label)> NiceTicks(double min, double max, bool integers)
    {
        var step = NiceCeiling((max - min) / 6);
        step = integers ? Math.Max(1, Math.Ceiling(step)) : step;
        var ticks = new List<(double, string)>();
        for (var x = Math.Ceiling(min / step) * step; x <= max + (step * 1e-9); x += step)
        {
            ticks.Add((x, Number(x)));
        }

        return ticks;
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (factor * magnitude >= value)
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private double Px(double x) => Left + ((x - _xMin) / (_xMax - _xMin) * PlotWidth);

    private double Py(double y) => Top + PlotHeight - (Math.Clamp(y / _yMax, 0, 1) * PlotHeight);
}
