using System.Reflection;
using FluentAssertions;

namespace PerfKit.TestUtilities;

/// <summary>Checks the package rules of CONVENTIONS.md against a built assembly.</summary>
public static class PackageConventions
{
    private const string DependencyInjectionNamespace = "Microsoft.Extensions.DependencyInjection";

    /// <summary>
    /// Every exported type lives in the package's root namespace or a sub-namespace of it; the only
    /// exception is the DI extension class, which lives in Microsoft.Extensions.DependencyInjection.
    /// </summary>
    public static void ExportedTypesLiveInPackageNamespace(Assembly assembly)
    {
        var package = assembly.GetName().Name!;
        var strays = assembly.GetExportedTypes()
            .Where(t => t.Namespace != package
                        && !(t.Namespace?.StartsWith(package + ".", StringComparison.Ordinal) ?? false)
                        && t.Namespace != DependencyInjectionNamespace)
            .Select(t => t.FullName)
            .ToList();
        strays.Should().BeEmpty("public types of {0} must live in namespace {0} or below it", package);
    }

    /// <summary>The DI extension classes are static, named *ServiceCollectionExtensions and start with the package's name.</summary>
    public static void ServiceCollectionExtensionsAreNamedAfterThePackage(Assembly assembly)
    {
        var package = assembly.GetName().Name!.Replace(".", string.Empty, StringComparison.Ordinal);
        var extensions = assembly.GetExportedTypes()
            .Where(t => t.Namespace == DependencyInjectionNamespace && t.Name.EndsWith("ServiceCollectionExtensions", StringComparison.Ordinal))
            .ToList();
        foreach (var type in extensions)
        {
            type.Name.Should().StartWith(package);
            (type.IsAbstract && type.IsSealed).Should().BeTrue("{0} must be a static class", type.Name);
        }
    }
}
