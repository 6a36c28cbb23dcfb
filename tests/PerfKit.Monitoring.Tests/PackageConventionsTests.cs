using PerfKit.TestUtilities;

namespace PerfKit.Monitoring.Tests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(PerfKitMonitoringDiagnostics).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void ServiceCollectionExtensions_AreNamedAfterThePackage() =>
        PackageConventions.ServiceCollectionExtensionsAreNamedAfterThePackage(Package);

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);

    [Fact]
    public void Diagnostics_IsExported() =>
        Package.GetExportedTypes().Should().Contain(typeof(PerfKitMonitoringDiagnostics));

    [Fact]
    public void MeterName_IsThePackageId() =>
        PerfKitMonitoringDiagnostics.MeterName.Should().Be(Package.GetName().Name).And.Be("PerfKit.Monitoring");

    [Fact]
    public void ActivitySourceName_IsThePackageId() =>
        PerfKitMonitoringDiagnostics.ActivitySourceName.Should().Be(Package.GetName().Name);

    [Fact]
    public void DisposablePublicTypes_ImplementBothDisposeAndDisposeAsync() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void EachPublicType_HasItsOwnFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Monitoring");
}
