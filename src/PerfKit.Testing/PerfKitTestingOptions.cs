using System.ComponentModel.DataAnnotations;

namespace PerfKit.Testing;

/// <summary>Options of <see cref="ILoadTestRunner"/> (<c>services.AddPerfKitTesting(...)</c>).</summary>
public sealed class PerfKitTestingOptions
{
    /// <summary>Where <see cref="ILoadTestRunner.WriteReportAsync"/> writes reports (relative to the working directory). Default <c>perfkit-reports</c>.</summary>
    [Required(ErrorMessage = "{0} must name a folder.")]
    public string ReportDirectory { get; set; } = DefaultReportDirectory;

    /// <summary>Default of <see cref="ReportDirectory"/>.</summary>
    public const string DefaultReportDirectory = "perfkit-reports";

    /// <summary>The files written. Default all four.</summary>
    public ReportFormats Formats { get; set; } = ReportFormats.All;
}
