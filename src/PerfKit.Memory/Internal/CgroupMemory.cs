using System.Globalization;

namespace PerfKit.Memory.Internal;

/// <summary>Reads the container memory limit and usage from cgroup v2, else v1. Every failure reads as "unknown".</summary>
internal sealed class CgroupMemory
{
    // cgroup v1 reports "no limit" as a huge page-aligned number close to long.MaxValue.
    private const long UnlimitedThreshold = long.MaxValue / 2;

    private readonly string? _limitPath;
    private readonly string? _usagePath;

    public CgroupMemory(string root = "/sys/fs/cgroup")
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var v2Limit = Path.Combine(root, "memory.max");
        if (File.Exists(v2Limit))
        {
            _limitPath = v2Limit;
            _usagePath = Path.Combine(root, "memory.current");
            return;
        }

        var v1Limit = Path.Combine(root, "memory", "memory.limit_in_bytes");
        if (File.Exists(v1Limit))
        {
            _limitPath = v1Limit;
            _usagePath = Path.Combine(root, "memory", "memory.usage_in_bytes");
        }
    }

    public long? ReadLimit() => ReadBytes(_limitPath);

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
