using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using PerfKit.Streaming.Internal;

namespace PerfKit.Streaming;

/// <summary>
/// Walks a folder as a stream of <see cref="FileItem"/>s, depth first, in a deterministic order: the entries of each
/// folder sorted by name (ordinal), a sub-folder walked where its name sorts — so the order is the ordinal order of
/// the relative paths compared folder by folder, the same on every run over the same tree, which is what checkpoints
/// rely on. It never holds the tree or the list of files: only the sorted entries of the folders on the current path.
/// A folder it cannot enter (permission denied, vanished, a symbolic link loop), and an entry that is not a regular
/// file (a FIFO, a socket, a device, or a symbolic link to one: on Unix it reads the file type with <c>stat</c>), is
/// yielded as a <see cref="FileItem"/> whose <see cref="FileItem.Problem"/> says why, never opened, and the walk goes
/// on; the pipeline records it as a failure.
/// Enumerate it more than once to walk again.
/// </summary>
public sealed class DirectorySource : IAsyncEnumerable<FileItem>
{
    private readonly DirectorySourceOptions _options;
    private readonly string _root;
    private readonly GlobMatcher _include;
    private readonly GlobMatcher _exclude;

    /// <summary>Creates the source and checks that the root folder exists.</summary>
    /// <param name="options">The options.</param>
    /// <param name="dependencies">Not used; accepted for the package's constructor shape.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="DirectoryNotFoundException">The root folder does not exist.</exception>
    public DirectorySource(DirectorySourceOptions options, PerfKitStreamingDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = dependencies;
        DirectorySourceOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _root = Path.GetFullPath(options.Root);
        _include = new GlobMatcher(options.Include);
        _exclude = new GlobMatcher(options.Exclude);
        ThrowIfRootMissing();
    }

    /// <summary>The root folder's full path.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public IAsyncEnumerator<FileItem> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        WalkAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    private void ThrowIfRootMissing()
    {
        if (!Directory.Exists(_root))
        {
            throw new DirectoryNotFoundException($"The source folder '{_root}' (DirectorySourceOptions.Root) does not exist.");
        }
    }

    private async IAsyncEnumerable<FileItem> WalkAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfRootMissing();
        await Task.CompletedTask.ConfigureAwait(false);
        var stack = new Stack<Frame>();
        var (rootEntries, rootError) = List(_root);
        if (rootError is not null)
        {
            yield return new FileItem(_root, string.Empty, rootError);
            yield break;
        }

        stack.Push(new Frame(_root, string.Empty, _options.FollowDirectoryLinks ? RealPath(_root) : null, rootEntries!));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frame = stack.Peek();
            if (frame.Next == frame.Entries.Length)
            {
                stack.Pop();
                continue;
            }

            var entry = frame.Entries[frame.Next++];
            var relative = frame.Relative.Length == 0 ? entry.Name : string.Concat(frame.Relative, "/", entry.Name);
            var full = Path.Join(frame.Full, entry.Name);
            if (!entry.IsDirectory)
            {
                if (_include.IsEmpty ? !_exclude.Matches(relative) : _include.Matches(relative) && !_exclude.Matches(relative))
                {
                    // FIFOs, sockets and devices (and links to them) are never opened: a FIFO would block open() for good.
                    yield return UnixFile.NotRegular(full) is { } notRegular
                        ? new FileItem(full, relative, $"'{relative}' is {notRegular}; not opened.")
                        : new FileItem(full, relative, entry.Length, entry.LastWriteTimeUtc);
                }

                continue;
            }

            if (!_options.Recursive || _exclude.Matches(relative) || _exclude.PrunesDirectory(relative))
            {
                continue;
            }

            string? real = null;
            if (entry.IsLink)
            {
                if (!_options.FollowDirectoryLinks)
                {
                    continue;
                }

                real = RealPath(full);
                if (frame.Real is { } current && (current == real || current.StartsWith(real + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    yield return new FileItem(full, relative, $"The symbolic link leads back to '{real}', a folder being walked (a loop); not entered.");
                    continue;
                }
            }
            else if (frame.Real is not null)
            {
                real = Path.Join(frame.Real, entry.Name);
            }

            var (entries, error) = List(full);
            if (error is not null)
            {
                yield return new FileItem(full, relative, error);
                continue;
            }

            stack.Push(new Frame(full, relative, real, entries!));
        }
    }

    private static string RealPath(string path)
    {
        try
        {
            return new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    private (Entry[]? Entries, string? Error) List(string folder)
    {
        try
        {
            var enumerable = new FileSystemEnumerable<Entry>(
                folder,
                static (ref FileSystemEntry e) => new Entry(
                    e.FileName.ToString(),
                    e.IsDirectory,
                    (e.Attributes & FileAttributes.ReparsePoint) != 0,
                    e.IsDirectory ? 0 : e.Length,
                    e.LastWriteTimeUtc),
                new EnumerationOptions
                {
                    IgnoreInaccessible = false,
                    RecurseSubdirectories = false,
                    ReturnSpecialDirectories = false,
                    AttributesToSkip = _options.AttributesToSkip,
                });
            var array = enumerable.ToArray();
            Array.Sort(array, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return (array, null);
        }
        catch (UnauthorizedAccessException e)
        {
            return (null, "Access denied: " + e.Message);
        }
        catch (DirectoryNotFoundException e)
        {
            return (null, "The folder vanished: " + e.Message);
        }
        catch (IOException e)
        {
            return (null, "The folder could not be listed: " + e.Message);
        }
    }

    private readonly record struct Entry(string Name, bool IsDirectory, bool IsLink, long Length, DateTimeOffset LastWriteTimeUtc);

    private sealed class Frame(string full, string relative, string? real, Entry[] entries)
    {
        public string Full { get; } = full;

        public string Relative { get; } = relative;

        public string? Real { get; } = real;

        public Entry[] Entries { get; } = entries;

        public int Next { get; set; }
    }
}
