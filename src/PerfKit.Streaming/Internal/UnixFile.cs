using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PerfKit.Streaming.Internal;

/// <summary>
/// The file type on Unix, which .NET does not expose (<see cref="FileAttributes"/> has no FIFO, socket or device, and
/// <see cref="File.GetUnixFileMode(string)"/> is permissions only): <c>stat</c> and <c>fstat</c> read
/// <c>st_mode</c>, and files are opened with <c>O_NONBLOCK</c>, so a FIFO that slipped past the walk (replaced after
/// it) cannot block <c>open()</c>, and is refused by <c>fstat</c> right after.
/// </summary>
internal static partial class UnixFile
{
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;

    // Where st_mode sits in struct stat: fixed for the process (OS and architecture), -1 where it is not read.
    private static readonly int StatModeOffset = ModeOffset();

    /// <summary>Whether the file type can be read on this platform (Linux x64/arm64, macOS arm64).</summary>
    public static bool Supported { get; } = StatModeOffset >= 0;

    /// <summary>Why <paramref name="path"/> (links followed) is not a regular file, or null if it is one or cannot be told.</summary>
    public static unsafe string? NotRegular(string path)
    {
        if (!Supported)
        {
            return null;
        }

        var buffer = stackalloc byte[512];
        try
        {
            return Stat(path, buffer) != 0 ? null : Describe(Mode(buffer));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Opens <paramref name="path"/> for reading without blocking on a special file; throws <see cref="IOException"/> for one that is not a regular file.</summary>
    public static unsafe SafeFileHandle? OpenRegular(string path)
    {
        if (!Supported)
        {
            return null;
        }

        int fd;
        try
        {
            fd = Open(path, OpenFlags(), 0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }

        if (fd < 0)
        {
            // Let .NET open it and throw its usual exception (not found, access denied).
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = stackalloc byte[512];
        if (FStat(fd, buffer) == 0)
        {
            var mode = Mode(buffer);
            if ((mode & TypeMask) == 0x4000)
            {
                // A folder: let .NET open it and throw its usual exception.
                handle.Dispose();
                return null;
            }

            if (Describe(mode) is { } problem)
            {
                handle.Dispose();
                throw new IOException($"'{path}' is {problem}; not opened.");
            }
        }

        // O_NONBLOCK has no effect on regular files.
        return handle;
    }

    private static string? Describe(int mode) => (mode & TypeMask) switch
    {
        Regular => null,
        0x1000 => "not a regular file (a FIFO)",
        0x2000 => "not a regular file (a character device)",
        0x6000 => "not a regular file (a block device)",
        0xC000 => "not a regular file (a socket)",
        0x4000 => "not a regular file (a folder)",
        _ => "not a regular file",
    };

    private static unsafe int Mode(byte* buffer) =>
        OperatingSystem.IsMacOS() ? *(ushort*)(buffer + StatModeOffset) : *(int*)(buffer + StatModeOffset);

    private static int ModeOffset()
    {
        if (OperatingSystem.IsLinux())
        {
            // glibc and musl: x64 puts st_nlink (8 bytes) before st_mode; arm64 (the generic layout) does not.
            return RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => 24,
                Architecture.Arm64 => 16,
                _ => -1,
            };
        }

        // macOS arm64's struct stat (64-bit inodes): st_dev (4 bytes), then st_mode (2). On macOS x64 the plain
        // "stat" symbol is the legacy 32-bit-inode layout: not read there, so that platform (like Windows, which has no FIFOs in a folder) gets neither check.
        return OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 4 : -1;
    }

    private static int OpenFlags() =>
        OperatingSystem.IsMacOS() ? 0x4 | 0x1000000 : 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);
}
