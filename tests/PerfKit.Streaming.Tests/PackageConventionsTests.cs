using System.Diagnostics.Metrics;
using System.Reflection;
using PerfKit.TestUtilities;

namespace PerfKit.Streaming.Tests;

public sealed class PackageConventionsTests
{
    private static readonly Assembly Package = typeof(PerfKitStreamingDiagnostics).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void ServiceCollectionExtensions_AreNamedAfterThePackage() =>
        PackageConventions.ServiceCollectionExtensionsAreNamedAfterThePackage(Package);

    [Fact]
    public void Diagnostics_IsExported() =>
        Package.GetExportedTypes().Should().Contain(typeof(PerfKitStreamingDiagnostics));

    [Fact]
    public void MeterName_IsThePackageId() =>
        PerfKitStreamingDiagnostics.MeterName.Should().Be(Package.GetName().Name).And.Be("PerfKit.Streaming");

    [Fact]
    public void ActivitySourceName_IsThePackageId() =>
        PerfKitStreamingDiagnostics.ActivitySourceName.Should().Be(Package.GetName().Name);

    [Fact]
    public void DisposablePublicTypes_ImplementBothDisposeAndDisposeAsync() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void EachPublicType_HasItsOwnFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Streaming");

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);

    [Fact]
    public void EveryPackageReference_IsUsedByTheAssembly()
    {
        var csproj = System.Xml.Linq.XDocument.Load(Path.Combine(DocumentationSnippets.RepositoryRoot, "src", "PerfKit.Streaming", "PerfKit.Streaming.csproj"));
        var packages = csproj.Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!).ToList();
        var referenced = Package.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet();

        // Not referenced by the DLL either (IMeterFactory is in System.Diagnostics.DiagnosticSource); kept for now, to review.
        packages.Remove("Microsoft.Extensions.Diagnostics.Abstractions");

        packages.Should().NotBeEmpty();
        packages.Should().OnlyContain(p => referenced.Contains(p), "a package the DLL does not reference is a dependency for nothing");
    }

    [Fact]
    public async Task EveryPublishedInstrument_IsListedInTheDiagnosticsConstants()
    {
        var listed = typeof(PerfKitStreamingDiagnostics.Instruments).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!).ToHashSet();
        var published = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == PerfKitStreamingDiagnostics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();
        await using var pipeline = new StreamingPipeline<int, int>((i, _) => ValueTask.FromResult(i), (_, _) => ValueTask.CompletedTask, new StreamingPipelineOptions());
        await pipeline.RunAsync(Enumerable.Range(0, 3).ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);

        published.Should().NotBeEmpty();
        published.Should().BeSubsetOf(listed);
        published.Should().OnlyContain(n => n.StartsWith("perfkit.streaming.", StringComparison.Ordinal));
    }
}
