using PerfKit.TestUtilities;

namespace PerfKit.Caching.AspNetCore.Tests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(PerfKitOutputCacheStore).Assembly;

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
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Caching.AspNetCore");

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);
}
