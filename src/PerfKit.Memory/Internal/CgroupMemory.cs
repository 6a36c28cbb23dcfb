using System.Globalization;

namespace PerfKit.Memory.Internal;

/// <summary>
/// Reads the container memory limit and usage of the process's own cgroup, v2 or v1, as the runtime does: the
/// memory controller's mount from <c>/proc/self/mountinfo</c>, the process's group from <c>/proc/self/cgroup</c>, and
/// the effective limit as the smallest limit on the way from that group up to the mount (a parent's limit binds a
/// child that has none). Every failure reads as "unknown". See <c>Internal/README.md</c>.
/// </summary>
internal sealed class CgroupMemory
{
    // cgroup v1 reports "no limit" as a huge page-aligned number close to long.MaxValue.
    private const long UnlimitedThreshold = long.MaxValue / 2;

    private readonly string[] _limitPaths = [];
    private readonly string? _usagePath;

    /// <summary>Resolves the files to read once; they are read again at each sample.</summary>
    /// <param name="fileSystemRoot">Where <c>/proc</c> and <c>/sys</c> are found: <c>/</c>, or a fake tree in tests.</param>
    public CgroupMemory(string fileSystemRoot = "/")
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            if (Resolve(fileSystemRoot) is { } group)
            {
                (_limitPaths, _usagePath) = group;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The smallest limit from the process's group up to the root of the hierarchy; <see langword="null"/> if none is set.</summary>
    public long? ReadLimit()
    {
        long? limit = null;
        foreach (var path in _limitPaths)
        {
            if (ReadBytes(path) is { } value && (limit is null || value < limit))
            {
                limit = value;
            }
        }

        return limit;
    }

    public long? ReadUsage() => ReadBytes(_usagePath);

    internal static long? Parse(ReadOnlySpan<char> text)
    {
        var span = text.Trim();
        if (span.IsEmpty || span.SequenceEqual("max"))
        {
            return null;
        }

        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value < UnlimitedThreshold
            ? value
            : null;
    }

    private static (string[] LimitPaths, string UsagePath)? Resolve(string root)
    {
        var mount = FindMemoryMount(root);
        if (mount is null)
        {
            return null;
        }

        var (version, mountRoot, mountPoint) = mount.Value;
        var (limitFile, usageFile) = version == 2 ? ("memory.max", "memory.current") : ("memory.limit_in_bytes", "memory.usage_in_bytes");
        var mountDirectory = Path.TrimEndingDirectorySeparator(Path.Combine(root, mountPoint.TrimStart('/')));

        // The group's path is relative to the hierarchy's root; the mount shows the hierarchy from mountRoot down
        // (in a container with the host's cgroup namespace, mountRoot is the container's own group).
        var group = FindOwnGroup(root, version) ?? mountRoot;
        var relative = group.StartsWith(mountRoot, StringComparison.Ordinal) && (group.Length == mountRoot.Length || mountRoot == "/" || group[mountRoot.Length] == '/')
            ? group[mountRoot.Length..].Trim('/')
            : string.Empty;
        var leaf = relative.Length == 0 ? mountDirectory : Path.Combine(mountDirectory, relative);

        var limits = new List<string>();
        for (var directory = leaf; directory is not null && directory.Length >= mountDirectory.Length; directory = Path.GetDirectoryName(directory))
        {
            limits.Add(Path.Combine(directory, limitFile));
        }

        return ([.. limits], Path.Combine(leaf, usageFile));
    }

    /// <summary>The memory controller's hierarchy: v1 if a v1 hierarchy has it (hybrid systems), else the v2 one.</summary>
    private static (int Version, string MountRoot, string MountPoint)? FindMemoryMount(string root)
    {
        var mountInfo = Path.Combine(root, "proc/self/mountinfo");
        if (!File.Exists(mountInfo))
        {
            // No mountinfo: the conventional mounts at the root of the hierarchy.
            return File.Exists(Path.Combine(root, "sys/fs/cgroup/memory.max")) || File.Exists(Path.Combine(root, "sys/fs/cgroup/cgroup.controllers"))
                ? (2, "/", "/sys/fs/cgroup")
                : Directory.Exists(Path.Combine(root, "sys/fs/cgroup/memory")) ? (1, "/", "/sys/fs/cgroup/memory") : null;
        }

        (int, string, string)? v2 = null;
        foreach (var line in File.ReadLines(mountInfo))
        {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue": optional fields end at "-".
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (separator < 5 || separator + 3 >= fields.Length)
            {
                continue;
            }

            var fsType = fields[separator + 1];
            if (fsType == "cgroup" && fields[separator + 3].Split(',').Contains("memory"))
            {
                return (1, Unescape(fields[3]), Unescape(fields[4]));
            }

            if (fsType == "cgroup2")
            {
                v2 ??= (2, Unescape(fields[3]), Unescape(fields[4]));
            }
        }

        return v2;
    }

    /// <summary>The process's group in the hierarchy: "0::/path" for v2, "N:controllers:/path" with "memory" among the controllers for v1.</summary>
    private static string? FindOwnGroup(string root, int version)
    {
        var path = Path.Combine(root, "proc/self/cgroup");
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (version == 2 ? parts[0] == "0" && parts[1].Length == 0 : parts[1].Split(',').Contains("memory"))
            {
                return parts[2];
            }
        }

        return null;
    }

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static string Unescape(string field) => field.Contains('\\', StringComparison.Ordinal)
        ? field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal)
        : field;

    private static long? ReadBytes(string? path)
    {
        if (path is null)
        {
            return null;
        }

        // Sampled every second: read into stack buffers so a tick allocates nothing here.
        try
        {
            using var handle = File.OpenHandle(path);
            Span<byte> bytes = stackalloc byte[64];
            var read = RandomAccess.Read(handle, bytes, 0);
            Span<char> chars = stackalloc char[64];
            var count = System.Text.Encoding.ASCII.GetChars(bytes[..read], chars);
            return Parse(chars[..count]);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
