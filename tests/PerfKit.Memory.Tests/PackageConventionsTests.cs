using System.Xml.Linq;
using PerfKit.TestUtilities;

namespace PerfKit.Memory.Tests;

public sealed class PackageConventionsTests
{
    private static readonly System.Reflection.Assembly Package = typeof(PerfKitMemoryDiagnostics).Assembly;

    [Fact]
    public void ExportedTypes_LiveInThePackageNamespace() =>
        PackageConventions.ExportedTypesLiveInPackageNamespace(Package);

    [Fact]
    public void ServiceCollectionExtensions_AreNamedAfterThePackage() =>
        PackageConventions.ServiceCollectionExtensionsAreNamedAfterThePackage(Package);

    [Fact]
    public void MeterName_IsThePackageId() =>
        PerfKitMemoryDiagnostics.MeterName.Should().Be(Package.GetName().Name);

    [Fact]
    public void DisposablePublicTypes_ImplementBothDisposeAndDisposeAsync() =>
        PackageConventions.DisposablePublicTypesImplementBoth(Package);

    [Fact]
    public void Namespaces_DoNotShadowSiblingPackages() =>
        PackageConventions.NamespacesDoNotShadowSiblingPackages(Package);

    [Fact]
    public void EachPublicType_HasItsOwnFile() =>
        PackageConventions.OnePublicTypePerFile("src/PerfKit.Memory");

    [Fact]
    public void XmlDocs_HaveOneSummaryPerType_AndNoCrefToANonPublicType()
    {
        // The documentation file the package ships, copied beside the test assembly with the package's assembly.
        var path = Path.ChangeExtension(Package.Location, ".xml");
        var members = XDocument.Load(path).Descendants("member").ToList();

        // A partial type documented on several declarations gets every <summary> concatenated in the shipped file.
        members.Where(m => m.Attribute("name")!.Value.StartsWith("T:", StringComparison.Ordinal) && m.Elements("summary").Count() > 1)
            .Select(m => m.Attribute("name")!.Value).Should().BeEmpty("each type keeps one <summary>, on its main declaration");

        var nonPublicTargets = members
            .Where(m => DeclaringType(m.Attribute("name")!.Value) is { IsVisible: true })
            .SelectMany(m => m.Descendants().Attributes("cref").Select(a => a.Value))
            .Where(cref => cref.StartsWith("T:PerfKit.", StringComparison.Ordinal) && Resolve(cref[2..]) is not { IsVisible: true })
            .Distinct();
        nonPublicTargets.Should().BeEmpty("the docs of public types must not point at types a user cannot see");
    }

    /// <summary>The type a documentation id belongs to: the type itself for <c>T:</c>, else the member's declaring type.</summary>
    private static Type? DeclaringType(string docId)
    {
        var name = docId[2..];
        if (docId.StartsWith("T:", StringComparison.Ordinal))
        {
            return Resolve(name);
        }

        var parameters = name.IndexOf('(', StringComparison.Ordinal);
        if (parameters >= 0)
        {
            name = name[..parameters];
        }

        var lastDot = name.LastIndexOf('.');
        return lastDot < 0 ? null : Resolve(name[..lastDot]);
    }

    /// <summary>Finds a type by its documentation name, in which nested types are separated by dots.</summary>
    private static Type? Resolve(string name)
    {
        var candidate = name;
        while (true)
        {
            if (Package.GetType(candidate) is { } type)
            {
                return type;
            }

            var lastDot = candidate.LastIndexOf('.');
            if (lastDot < 0)
            {
                return null;
            }

            candidate = string.Concat(candidate.AsSpan(0, lastDot), "+", candidate.AsSpan(lastDot + 1));
        }
    }
}
