using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Tests;

/// <summary>The cgroup reader against fake cgroup trees built in a temporary folder that stands for the file-system root.</summary>
public sealed class CgroupMemoryTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const string V1Unlimited = "9223372036854771712";

    private readonly string _root = Directory.CreateTempSubdirectory("perfkit-cgroup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void V2_NestedGroup_TakesTheSmallestLimitOnTheWayUp_AndItsOwnUsage()
    {
        Write("proc/self/cgroup", "0::/system.slice/app.service\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
        Write("sys/fs/cgroup/memory.current", "999999999\n");
        Write("sys/fs/cgroup/system.slice/memory.max", $"{2048 * MiB}\n");
        Write("sys/fs/cgroup/system.slice/app.service/memory.max", "max\n");
        Write("sys/fs/cgroup/system.slice/app.service/memory.current", $"{300 * MiB}\n");

        var cgroup = new CgroupMemory(_root);

        cgroup.ReadLimit().Should().Be(2048 * MiB, "the parent's limit binds a child that has none");
        cgroup.ReadUsage().Should().Be(300 * MiB, "usage is the process's own group's");
    }

    [Fact]
    public void V2_ChildLimitBelowTheParents_Wins()
    {
        Write("proc/self/cgroup", "0::/kubepods/pod1/c1\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/kubepods/memory.max", $"{8192 * MiB}\n");
        Write("sys/fs/cgroup/kubepods/pod1/memory.max", $"{1024 * MiB}\n");
        Write("sys/fs/cgroup/kubepods/pod1/c1/memory.max", $"{512 * MiB}\n");
        Write("sys/fs/cgroup/kubepods/pod1/c1/memory.current", $"{100 * MiB}\n");

        new CgroupMemory(_root).ReadLimit().Should().Be(512 * MiB);
    }

    [Fact]
    public void V2_MountRootedAtTheGroup_AsInAContainerNamespace_ReadsTheMountPoint()
    {
        // With the host's cgroup namespace, /proc/self/cgroup names the full path, and the mount's root is that group.
        Write("proc/self/cgroup", "0::/docker/abc\n");
        Write("proc/self/mountinfo", "700 690 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n");
        Write("sys/fs/cgroup/memory.max", $"{256 * MiB}\n");
        Write("sys/fs/cgroup/memory.current", $"{10 * MiB}\n");

        var cgroup = new CgroupMemory(_root);

        cgroup.ReadLimit().Should().Be(256 * MiB);
        cgroup.ReadUsage().Should().Be(10 * MiB);
    }

    [Fact]
    public void V2_AllMax_IsNoLimit()
    {
        Write("proc/self/cgroup", "0::/user.slice\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("sys/fs/cgroup/user.slice/memory.max", "max\n");
        Write("sys/fs/cgroup/user.slice/memory.current", $"{50 * MiB}\n");

        var cgroup = new CgroupMemory(_root);

        cgroup.ReadLimit().Should().BeNull();
        cgroup.ReadUsage().Should().Be(50 * MiB);
    }

    [Fact]
    public void V1_NestedGroup_TakesTheSmallestLimitOnTheWayUp()
    {
        Write("proc/self/cgroup", "12:pids:/docker/abc\n4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n");
        Write("proc/self/mountinfo",
            "25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n" +
            "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
            "33 25 0:29 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", V1Unlimited);
        Write("sys/fs/cgroup/memory/docker/memory.limit_in_bytes", $"{1024 * MiB}\n");
        Write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", $"{V1Unlimited}\n");
        Write("sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", $"{200 * MiB}\n");

        var cgroup = new CgroupMemory(_root);

        cgroup.ReadLimit().Should().Be(1024 * MiB);
        cgroup.ReadUsage().Should().Be(200 * MiB);
    }

    [Fact]
    public void V1_WithAUnifiedV2Mount_AsOnAHybridSystem_ReadsTheV1MemoryController()
    {
        Write("proc/self/cgroup", "0::/init.scope\n5:memory:/app\n");
        Write("proc/self/mountinfo",
            "26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n" +
            "33 25 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
        Write("sys/fs/cgroup/memory/app/memory.limit_in_bytes", $"{700 * MiB}\n");
        Write("sys/fs/cgroup/memory/app/memory.usage_in_bytes", $"{70 * MiB}\n");

        new CgroupMemory(_root).ReadLimit().Should().Be(700 * MiB);
    }

    [Fact]
    public void NoCgroupFiles_ReadAsUnknown()
    {
        var cgroup = new CgroupMemory(_root);

        cgroup.ReadLimit().Should().BeNull();
        cgroup.ReadUsage().Should().BeNull();
    }

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
