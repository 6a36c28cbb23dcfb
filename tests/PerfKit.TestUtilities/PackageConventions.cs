using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace PerfKit.TestUtilities;

/// <summary>Checks the package rules of CONVENTIONS.md against a built assembly.</summary>
public static partial class PackageConventions
{
    private const string DependencyInjectionNamespace = "Microsoft.Extensions.DependencyInjection";

    /// <summary>
    /// Every exported type lives in the package's root namespace or a sub-namespace of it; the only
    /// exception is the DI extension class, which lives in Microsoft.Extensions.DependencyInjection.
    /// </summary>
    public static void ExportedTypesLiveInPackageNamespace(Assembly assembly)
    {
        var package = assembly.GetName().Name!;
        var exported = assembly.GetExportedTypes();
        exported.Should().NotBeEmpty("a check over no types proves nothing: {0} must export its API", package);
        var strays = exported
            .Where(t => t.Namespace != package
                        && !(t.Namespace?.StartsWith(package + ".", StringComparison.Ordinal) ?? false)
                        && t.Namespace != DependencyInjectionNamespace)
            .Select(t => t.FullName)
            .ToList();
        strays.Should().BeEmpty("public types of {0} must live in namespace {0} or below it", package);
    }

    /// <summary>
    /// The package has its DI extension class (<c>AddPerfKit&lt;Name&gt;()</c>), and every static class it puts in
    /// Microsoft.Extensions.DependencyInjection is named after the package (<c>PerfKit&lt;Name&gt;…Extensions</c>).
    /// Packages without a DI layer yet must not call this: it asserts there is one.
    /// </summary>
    public static void ServiceCollectionExtensionsAreNamedAfterThePackage(Assembly assembly)
    {
        var package = assembly.GetName().Name!.Replace(".", string.Empty, StringComparison.Ordinal);
        var inDependencyInjection = assembly.GetExportedTypes().Where(t => t.Namespace == DependencyInjectionNamespace).ToList();
        inDependencyInjection.Select(t => t.Name).Should().Contain(package + "ServiceCollectionExtensions", "{0} must have its Add{0}() extension class in {1}", package, DependencyInjectionNamespace);
        foreach (var type in inDependencyInjection.Where(t => t.Name.EndsWith("Extensions", StringComparison.Ordinal) || t is { IsAbstract: true, IsSealed: true }))
        {
            type.Name.Should().StartWith(package).And.EndWith("Extensions");
            (type.IsAbstract && type.IsSealed).Should().BeTrue("{0} must be a static class", type.Name);
        }
    }

    /// <summary>
    /// Every exported class or struct that is disposable implements both <see cref="IDisposable"/> and
    /// <see cref="IAsyncDisposable"/> (CONVENTIONS.md: a synchronous <c>ServiceProvider.Dispose()</c> must work, and
    /// <c>await using</c> too). The check scans every exported type, so it cannot pass over an empty assembly.
    /// </summary>
    public static void DisposablePublicTypesImplementBoth(Assembly assembly)
    {
        var exported = assembly.GetExportedTypes();
        exported.Should().NotBeEmpty("a check over no types proves nothing: {0} must export its API", assembly.GetName().Name);
        var halfDisposable = exported
            .Where(t => !t.IsInterface)
            .Where(t => typeof(IDisposable).IsAssignableFrom(t) != typeof(IAsyncDisposable).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .ToList();
        halfDisposable.Should().BeEmpty("every disposable public type of {0} must implement both IDisposable and IAsyncDisposable", assembly.GetName().Name);
    }

    private static readonly string[] SiblingPackages = ["Memory", "Caching", "Streaming", "Monitoring", "Testing"];

    /// <summary>
    /// No namespace of the package ends in the short name of a sibling package (<c>PerfKit.Testing.Memory</c> makes
    /// <c>Memory.X</c> ambiguous in a file that also imports PerfKit.Memory).
    /// </summary>
    public static void NamespacesDoNotShadowSiblingPackages(Assembly assembly)
    {
        var package = assembly.GetName().Name!;
        var namespaces = assembly.GetExportedTypes().Select(t => t.Namespace!).Distinct().ToList();
        namespaces.Should().NotBeEmpty();
        var shadowing = namespaces
            .Where(n => n.StartsWith(package + ".", StringComparison.Ordinal))
            .Where(n => n[(package.Length + 1)..].Split('.').Any(segment => SiblingPackages.Contains(segment)))
            .ToList();
        shadowing.Should().BeEmpty("a sub-namespace of {0} must not be named like a sibling package", package);
    }

    /// <summary>
    /// The XML docs shipped beside the assembly hold exactly one summary per type: a partial type documented on
    /// several declarations gets all their summaries, and tools show the first, whichever file that is.
    /// </summary>
    public static void XmlDocsHaveOneSummaryPerType(Assembly assembly)
    {
        var docs = Path.ChangeExtension(assembly.Location, ".xml");
        File.Exists(docs).Should().BeTrue("the XML docs of {0} are copied beside it", assembly.GetName().Name);
        var types = System.Xml.Linq.XDocument.Load(docs).Descendants("member")
            .Where(m => ((string?)m.Attribute("name"))?.StartsWith("T:", StringComparison.Ordinal) == true)
            .ToList();
        types.Should().NotBeEmpty();
        types.Where(m => m.Elements("summary").Count() != 1)
            .Select(m => $"{(string?)m.Attribute("name")}: {m.Elements("summary").Count()} summaries")
            .Should().BeEmpty("a partial type keeps its one <summary> on its main declaration and plain // comments on the others");
    }

    /// <summary>Each source file of the package declares at most one top-level public type (partial files of one type are fine).</summary>
    /// <param name="packageFolder">The package's folder relative to the repository root, such as <c>src/PerfKit.Memory</c>.</param>
    public static void OnePublicTypePerFile(string packageFolder)
    {
        var root = Path.Combine(DocumentationSnippets.RepositoryRoot, packageFolder);
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        files.Should().NotBeEmpty("a check over no files proves nothing");
        var crowded = files
            .Select(f => (File: Path.GetRelativePath(root, f), Types: TopLevelPublicType().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value).Distinct().ToList()))
            .Where(f => f.Types.Count > 1)
            .Select(f => $"{f.File}: {string.Join(", ", f.Types)}")
            .ToList();
        crowded.Should().BeEmpty("each public type of {0} lives in its own file", packageFolder);
    }

    [GeneratedRegex(@"^public (?:(?:sealed|static|abstract|readonly|partial|ref)\s+)*(?:record\s+struct|record\s+class|record|class|struct|interface|enum)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelPublicType();
}
