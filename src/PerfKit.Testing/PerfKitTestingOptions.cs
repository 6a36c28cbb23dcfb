namespace PerfKit.Testing;

/// <summary>Options of <see cref="ILoadTestRunner"/> (<c>services.AddPerfKitTesting(...)</c>).</summary>
public sealed class PerfKitTestingOptions
{
    /// <summary>Where <see cref="ILoadTestRunner.WriteReportAsync"/> writes reports (relative to the working directory). Default <c>perfkit-reports</c>.</summary>
    public string ReportDirectory { get; set; } = "perfkit-reports";

    /// <summary>The files written. Default all four.</summary>
    public ReportFormats Formats { get; set; } = ReportFormats.All;
}
