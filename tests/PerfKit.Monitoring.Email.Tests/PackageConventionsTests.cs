using System.Reflection;
using Microsoft.Extensions.Logging;
using PerfKit.TestUtilities;

namespace PerfKit.Monitoring.Email.Tests;

public sealed class PackageConventionsTests
{
    private static readonly Assembly Package = typeof(EmailNotifier).Assembly;

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
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType() =>
        PackageConventions.XmlDocsHaveOneSummaryPerType(Package);

    [Fact]
    public void OnePublicType_PerFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Monitoring.Email");

    [Fact]
    public void LogEventIds_AreInTheEmailRange()
    {
        // CONTRIBUTING.md: PerfKit.Monitoring.Email logs with event ids 4900-4999 (PerfKit.Monitoring keeps 4000-4899).
        var ids = Package.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetCustomAttributes<LoggerMessageAttribute>())
            .Select(a => a.EventId)
            .ToList();

        ids.Should().NotBeEmpty().And.OnlyContain(id => id >= 4900 && id <= 4999).And.OnlyHaveUniqueItems();
    }
}
