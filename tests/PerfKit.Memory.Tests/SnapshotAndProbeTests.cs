using Microsoft.Extensions.Time.Testing;
using PerfKit.Memory.Internal;

namespace PerfKit.Memory.Tests;

public sealed class SnapshotAndProbeTests
{
    [Theory]
    [InlineData("max\n", null)]
    [InlineData("", null)]
    [InlineData("536870912\n", 536870912L)]
    [InlineData("9223372036854771712", null)]
    [InlineData("garbage", null)]
    public void CgroupParse_ReadsLimits_AndTreatsUnlimitedAsUnknown(string text, long? expected) =>
        CgroupMemory.Parse(text).Should().Be(expected);

    [Fact]
    public void Cgroup_WithoutFiles_ReadsUnknownAndNeverThrows()
    {
        var cgroup = new CgroupMemory(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")));

        cgroup.ReadLimit().Should().BeNull();
        cgroup.ReadUsage().Should().BeNull();
    }

    [Fact]
    public void Cgroup_V2Files_AreRead()
    {
        var root = Directory.CreateTempSubdirectory();
        try
        {
            // A file-system root without /proc: the v2 files at the conventional mount are read.
            var cgroupDirectory = Directory.CreateDirectory(Path.Combine(root.FullName, "sys", "fs", "cgroup")).FullName;
            File.WriteAllText(Path.Combine(cgroupDirectory, "memory.max"), "1073741824\n");
            File.WriteAllText(Path.Combine(cgroupDirectory, "memory.current"), "52428800\n");
            var cgroup = new CgroupMemory(root.FullName);

            if (OperatingSystem.IsLinux())
            {
                cgroup.ReadLimit().Should().Be(1L << 30);
                cgroup.ReadUsage().Should().Be(50L << 20);
            }
            else
            {
                cgroup.ReadLimit().Should().BeNull();
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void RuntimeProbe_ReadsPlausibleFigures()
    {
        var reading = RuntimeMemoryProbe.Instance.Read();

        reading.ManagedHeapBytes.Should().BePositive();
        reading.WorkingSetBytes.Should().BePositive();
        reading.TotalAvailableBytes.Should().BePositive();
        reading.UsageBytes(MemoryUsageSource.ManagedHeap).Should().Be(reading.ManagedHeapBytes);
        reading.UsageBytes(MemoryUsageSource.Container).Should().Be(reading.ContainerUsageBytes ?? reading.WorkingSetBytes);
    }

    [Fact]
    public void Snapshot_WithAPreviousOne_ComputesTheAllocationRate()
    {
        var time = new FakeTimeProvider();
        var first = MemorySnapshot.Capture(timeProvider: time);
        var garbage = new byte[10][];
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = new byte[1 << 20];
        }

        time.Advance(TimeSpan.FromSeconds(2));
        var second = MemorySnapshot.Capture(first, time);

        first.AllocationRateBytesPerSecond.Should().BeNull();
        // 10 MiB in 2 s; the runtime's cheap allocation count may lag by a few KiB per thread.
        second.AllocationRateBytesPerSecond.Should().BeGreaterThanOrEqualTo(4 << 20);
        second.Timestamp.Should().Be(time.Start + TimeSpan.FromSeconds(2));
        second.Gen2Collections.Should().BeGreaterThanOrEqualTo(first.Gen2Collections);
        second.ToString().Should().Contain("working set").And.Contain("allocating");
        GC.KeepAlive(garbage);
    }
}
