namespace PerfKit.Testing;

/// <summary>The files a readiness report is written as.</summary>
[Flags]
public enum ReportFormats
{
    /// <summary>None (not valid for <see cref="PerfKitTestingOptions.Formats"/>).</summary>
    None = 0,

    /// <summary><c>readiness.md</c>.</summary>
    Markdown = 1,

    /// <summary><c>readiness.json</c>.</summary>
    Json = 2,

    /// <summary><c>readiness.junit.xml</c>.</summary>
    JUnit = 4,

    /// <summary><c>readiness.html</c>, self-contained with charts.</summary>
    Html = 8,

    /// <summary>All of them.</summary>
    All = Markdown | Json | JUnit | Html,
}
