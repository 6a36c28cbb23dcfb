using System.Text.RegularExpressions;
using FluentAssertions;

namespace PerfKit.TestUtilities;

/// <summary>Keeps README code honest: every C# block must stand, line for line, in a compiled source file.</summary>
public static partial class DocumentationSnippets
{
    /// <summary>The repository root (the folder of PerfKit.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PerfKit.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("PerfKit.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Asserts each ```csharp block of <paramref name="readme"/> appears in one of <paramref name="compiledSources"/>, ignoring indentation.</summary>
    /// <param name="readme">Path relative to the repository root.</param>
    /// <param name="compiledSources">Paths relative to the repository root.</param>
    public static void AssertReadmeBlocksAreCompiled(string readme, params string[] compiledSources)
    {
        var markdown = File.ReadAllText(Path.Combine(RepositoryRoot, readme));
        var compiledSource = string.Join(", ", compiledSources);
        var source = string.Join("\n\u0000\n", compiledSources.Select(f => Normalize(File.ReadAllText(Path.Combine(RepositoryRoot, f)))));
        var blocks = CSharpBlock().Matches(markdown).Select(m => Normalize(m.Groups[1].Value)).ToList();
        blocks.Should().NotBeEmpty("{0} must show its quick start in C#", readme);
        foreach (var block in blocks)
        {
            source.Should().Contain(block, "the README block must be compiled code from {0}", compiledSource);
        }
    }

    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
