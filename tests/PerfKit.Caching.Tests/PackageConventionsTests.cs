using PerfKit.TestUtilities;

namespace PerfKit.Caching.Tests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(PerfKitCachingDiagnostics).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void ServiceCollectionExtensions_AreNamedAfterThePackage() =>
        PackageConventions.ServiceCollectionExtensionsAreNamedAfterThePackage(Package);

    [Fact]
    public void MeterName_IsThePackageId() =>
        PerfKitCachingDiagnostics.MeterName.Should().Be(Package.GetName().Name);

    [Fact]
    public void DisposablePublicTypes_ImplementBothDisposeAndDisposeAsync() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void EachPublicType_HasItsOwnFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Caching");

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);
}
