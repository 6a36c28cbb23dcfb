using PerfKit.TestUtilities;

namespace PerfKit.Monitoring.Email.Tests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(EmailNotifier).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void DependencyInjectionClasses_AreNamedAfterThePackage()
    {
        var inDependencyInjection = Package.GetExportedTypes().Where(t => t.Namespace == "Microsoft.Extensions.DependencyInjection").ToList();
        inDependencyInjection.Should().NotBeEmpty();
        inDependencyInjection.Should().AllSatisfy(t => t.Name.Should().StartWith("PerfKitMonitoringEmail").And.EndWith("Extensions"));
    }

    [Fact]
    public void DisposablePublicTypes_ImplementBothDisposeAndDisposeAsync() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);

    [Fact]
    public void EachPublicType_HasItsOwnFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Monitoring.Email");
}
