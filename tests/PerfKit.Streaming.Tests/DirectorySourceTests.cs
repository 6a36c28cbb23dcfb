using System.Text.Json;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming.Tests;

public sealed class DirectorySourceTests
{
    private static async Task<List<FileItem>> ListAsync(DirectorySourceOptions options)
    {
        var items = new List<FileItem>();
        await foreach (var item in new DirectorySource(options).WithCancellation(TestContext.Current.CancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    [Fact]
    public void MissingRoot_ThrowsDirectoryNotFound_NamingTheFolder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "perfkit-missing-" + Guid.NewGuid().ToString("N"));

        var act = () => new DirectorySource(new DirectorySourceOptions { Root = missing });

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"*{missing}*DirectorySourceOptions.Root*");
    }

    [Fact]
    public async Task Walk_IsSortedPerFolder_DepthFirst_AndTheSameEveryTime()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { "b.txt", "a/z.txt", "a/b/y.txt", "a.txt", "c/x.txt", "B.txt" })
        {
            folder.Write(name, name);
        }

        var first = await ListAsync(new DirectorySourceOptions { Root = folder.Path });
        var second = await ListAsync(new DirectorySourceOptions { Root = folder.Path });

        first.Select(f => f.RelativePath).Should().Equal("B.txt", "a/b/y.txt", "a/z.txt", "a.txt", "b.txt", "c/x.txt");
        second.Select(f => f.RelativePath).Should().Equal(first.Select(f => f.RelativePath));
        first[0].Length.Should().Be(5);
        first[0].IdempotencyKey.Should().StartWith("B.txt|5|");
    }

    [Fact]
    public async Task IncludeAndExclude_Globs_SelectFiles_AndPruneFolders()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { "a.csv", "a.txt", "sub/b.csv", "sub/deep/c.csv", "bin/d.csv", "node_modules/e.csv", "sub/skip.csv" })
        {
            folder.Write(name, "x");
        }

        var options = new DirectorySourceOptions { Root = folder.Path };
        options.Include.Add("*.csv");
        options.Exclude.Add("bin/**");
        options.Exclude.Add("node_modules");
        options.Exclude.Add("sub/skip.csv");

        var items = await ListAsync(options);

        items.Select(f => f.RelativePath).Should().Equal("a.csv", "sub/b.csv", "sub/deep/c.csv");
    }

    [Fact]
    public async Task NotRecursive_ListsTheRootOnly()
    {
        using var folder = new TempFolder();
        folder.Write("a.txt", "x");
        folder.Write("sub/b.txt", "x");

        var items = await ListAsync(new DirectorySourceOptions { Root = folder.Path, Recursive = false });

        items.Select(f => f.RelativePath).Should().Equal("a.txt");
    }

    [Fact]
    public async Task SymbolicLinkLoop_IsReportedAsAProblem_AndTheWalkGoesOn()
    {
        using var folder = new TempFolder();
        folder.Write("a/file.txt", "x");
        folder.Write("z.txt", "x");
        Directory.CreateSymbolicLink(Path.Combine(folder.Path, "a", "loop"), folder.Path);

        var followed = await ListAsync(new DirectorySourceOptions { Root = folder.Path, FollowDirectoryLinks = true });
        var notFollowed = await ListAsync(new DirectorySourceOptions { Root = folder.Path });

        followed.Select(f => f.RelativePath).Should().Equal("a/file.txt", "a/loop", "z.txt");
        followed[1].Problem.Should().Contain("loop");
        notFollowed.Select(f => f.RelativePath).Should().Equal("a/file.txt", "z.txt");
    }

    [Fact]
    public async Task FolderThatCannotBeListed_IsReportedAsAProblem_AndTheWalkGoesOn()
    {
        // Root lists a chmod 000 folder, so as root the walk runs in the crash host as user nobody (setpriv), in a
        // folder under /tmp that nobody may enter (0755), with the locked folder at 000.
        using var folder = new TempFolder(TempFolder.IsRoot ? "/tmp" : null);
        TempFolder.Chmod(folder.Path, (UnixFileMode)0b111_101_101);
        folder.Write("locked/secret.txt", "x");
        folder.Write("open.txt", "x");
        TempFolder.Chmod(Path.Combine(folder.Path, "locked"), UnixFileMode.None);

        var items = TempFolder.IsRoot
            ? await ListAsUnprivilegedUserAsync(folder.Path)
            : (await ListAsync(new DirectorySourceOptions { Root = folder.Path })).Select(f => (f.RelativePath, f.Problem)).ToList();

        items.Select(f => f.RelativePath).Should().Equal("locked", "open.txt");
        items[0].Problem.Should().Contain("denied");
        items[1].Problem.Should().BeNull();
    }

    private static async Task<List<(string RelativePath, string? Problem)>> ListAsUnprivilegedUserAsync(string root)
    {
        var token = TestContext.Current.CancellationToken;
        using var child = CrashHost.Start(["list", root], unprivileged: true);
        var output = child.StandardOutput.ReadToEndAsync(token);
        var error = child.StandardError.ReadToEndAsync(token);
        await child.WaitForExitAsync(token);
        child.ExitCode.Should().Be(0, "the walk as user {0} ends normally; it wrote: {1}{2}", CrashHost.UnprivilegedId, await output, await error);

        var items = new List<(string, string?)>();
        foreach (var line in (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            items.Add((json.RootElement.GetProperty("path").GetString()!, json.RootElement.GetProperty("problem").GetString()));
        }

        return items;
    }

    [Theory]
    [InlineData("*.csv", "a/b/c.csv", true)]
    [InlineData("*.csv", "c.csvx", false)]
    [InlineData("a/*.csv", "a/c.csv", true)]
    [InlineData("a/*.csv", "a/b/c.csv", false)]
    [InlineData("a/**/*.csv", "a/c.csv", true)]
    [InlineData("a/**/*.csv", "a/b/d/c.csv", true)]
    [InlineData("f?le", "x/file", true)]
    [InlineData("**", "anything/at/all", true)]
    public void GlobMatcher_Matches(string pattern, string path, bool expected) =>
        new GlobMatcher([pattern]).Matches(path).Should().Be(expected);
}
