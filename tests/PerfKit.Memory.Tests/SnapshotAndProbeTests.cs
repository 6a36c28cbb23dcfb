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
    public void RuntimeProbe_ReadsEachFigureFromItsOwnSource()
    {
        // A live, touched 64 MiB array: the heap and the working set hold at least that much.
        var ballast = new byte[64 << 20];
        Array.Fill(ballast, (byte)1);

        var reading = RuntimeMemoryProbe.Instance.Read();

        reading.ManagedHeapBytes.Should().BeGreaterThanOrEqualTo(64 << 20);
        reading.WorkingSetBytes.Should().BeGreaterThanOrEqualTo(64 << 20);
        reading.TotalAvailableBytes.Should().Be(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        reading.ContainerLimitBytes.Should().Be(new CgroupMemory().ReadLimit());
        GC.KeepAlive(ballast);
    }

    [Fact]
    public void Reading_UsageBytes_PicksTheNamedMeasure_AndFallsBackToTheWorkingSetWithoutACgroup()
    {
        // Distinct figures, so that a measure read from the wrong field shows.
        var inContainer = new MemoryReading(managedHeapBytes: 100, workingSetBytes: 200, totalAvailableBytes: 1000, containerLimitBytes: 900, containerUsageBytes: 300);
        var outside = new MemoryReading(managedHeapBytes: 100, workingSetBytes: 200, totalAvailableBytes: 1000, containerLimitBytes: null, containerUsageBytes: null);

        inContainer.UsageBytes(MemoryUsageSource.ManagedHeap).Should().Be(100);
        inContainer.UsageBytes(MemoryUsageSource.WorkingSet).Should().Be(200);
        inContainer.UsageBytes(MemoryUsageSource.Container).Should().Be(300);
        outside.UsageBytes(MemoryUsageSource.Container).Should().Be(200);
    }

    [Fact]
    public void Snapshot_WithAPreviousOne_ComputesTheAllocationRate()
    {
        var time = new FakeTimeProvider();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var first = MemorySnapshot.Capture(dependencies: new PerfKitMemoryDependencies { TimeProvider = time });
        var garbage = new byte[10][];
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = new byte[1 << 20];
        }

        time.Advance(TimeSpan.FromSeconds(2));
        var second = MemorySnapshot.Capture(first, new PerfKitMemoryDependencies { TimeProvider = time });
        var after = GC.GetTotalAllocatedBytes(precise: true);

        first.AllocationRateBytesPerSecond.Should().BeNull();
        // 10 MiB in 2 s at least (the runtime's cheap allocation count may lag by a few KiB per thread), and at most
        // what the whole process allocated around the two snapshots, over the same 2 s (plus that lag).
        second.AllocationRateBytesPerSecond.Should().BeInRange(4 << 20, ((after - before) / 2.0) + (1 << 20));
        second.Timestamp.Should().Be(time.Start + TimeSpan.FromSeconds(2));
        second.ToString().Should().Contain("working set").And.Contain("allocating");
        GC.KeepAlive(garbage);
    }

    [Fact]
    public void Snapshot_ReadsTheProbeOfItsDependencies()
    {
        var probe = new FakeMemoryProbe(usage: 123 * 1024 * 1024);

        var snapshot = MemorySnapshot.Capture(dependencies: new PerfKitMemoryDependencies { MemoryProbe = probe });

        snapshot.WorkingSetBytes.Should().Be(probe.Read().WorkingSetBytes);
        snapshot.TotalAvailableBytes.Should().Be(probe.Read().TotalAvailableBytes);
    }

    [Fact]
    public void Snapshot_ReadsEachGenerationsCollectionCount()
    {
        // Gen1 and gen0 collections put the three counts apart (a gen2 collection elsewhere raises all three alike),
        // so a count read from the wrong generation falls outside its bracket.
        // (The GC may escalate a requested collection to an older generation, hence the loops.)
        for (var i = 0; i < 100 && GC.CollectionCount(1) < GC.CollectionCount(2) + 3; i++)
        {
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        }

        for (var i = 0; i < 100 && GC.CollectionCount(0) < GC.CollectionCount(1) + 3; i++)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }

        int[] before = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var snapshot = MemorySnapshot.Capture();
        int[] after = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        before[0].Should().BeGreaterThanOrEqualTo(before[1] + 3);
        before[1].Should().BeGreaterThanOrEqualTo(before[2] + 3);
        snapshot.Gen0Collections.Should().BeInRange(before[0], after[0]);
        snapshot.Gen1Collections.Should().BeInRange(before[1], after[1]);
        snapshot.Gen2Collections.Should().BeInRange(before[2], after[2]);
    }
}
