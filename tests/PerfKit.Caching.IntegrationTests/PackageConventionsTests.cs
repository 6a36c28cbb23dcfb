using PerfKit.Caching.Redis;
using PerfKit.TestUtilities;

namespace PerfKit.Caching.IntegrationTests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(RedisCacheBackplane).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void ServiceCollectionExtensions_AreNamedAfterThePackage() =>
        PackageConventions.ServiceCollectionExtensionsAreNamedAfterThePackage(Package);

    [Fact]
    public void DisposablePublicTypes_ImplementBoth() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void OnePublicType_PerFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Caching.Redis");

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void QuickStart_IsCompiledCode() =>
        DocumentationSnippets.AssertReadmeBlocksAreCompiled("src/PerfKit.Caching.Redis/README.md", "samples/PerfKit.Showcase/RedisQuickStart.cs");

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);
}
