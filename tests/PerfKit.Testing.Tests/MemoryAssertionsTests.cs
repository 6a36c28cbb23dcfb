
namespace PerfKit.Testing.Tests;

public sealed class MemoryAssertionsTests
{
    private static readonly List<object> Rooted = [];

    [Fact]
    public void PerCall_IsExactForAKnownAllocation_AndRepeatable()
    {
        Assert.SkipUnless(Environment.Is64BitProcess, "Object sizes below are those of a 64-bit process.");

        var sizes = Enumerable.Range(0, 5).Select(_ => Allocations.PerCall(() => GC.KeepAlive(new byte[100]))).ToList();

        sizes.Should().AllBeEquivalentTo(128L, "a byte[100] is a 24-byte header plus 100 bytes, rounded up to 8");
    }

    [Fact]
    public void PerCall_DividesByTheCallsPerRepeat()
    {
        Assert.SkipUnless(Environment.Is64BitProcess, "Object sizes below are those of a 64-bit process.");

        Allocations.PerCall(() => GC.KeepAlive(new object()), callsPerRepeat: 1000).Should().Be(24);
    }

    [Fact]
    public void NotAllocate_PassesForCodeThatDoesNotAllocate()
    {
        var numbers = new[] { 3, 1, 2 };

        var act = () => Array.Sort(numbers);

        act.Should().NotAllocate();
    }

    [Fact]
    public void NotAllocate_FailsForCodeThatAllocates_SayingHowMuch()
    {
        var act = () => GC.KeepAlive(new string('x', 10));

        var assert = () => act.Should().NotAllocate();

        assert.Should().Throw<Exception>().WithMessage("*at most 0 bytes per call*allocated 48 bytes*");
    }

    [Fact]
    public void AllocateAtMost_PassesAtTheLimit_AndFailsAboveIt()
    {
        var act = () => GC.KeepAlive(new byte[100]);

        act.Should().AllocateAtMost(128);
        act.Invoking(a => a.Should().AllocateAtMost(127)).Should().Throw<Exception>();
    }

    [Fact]
    public void BeCollected_PassesWhenNothingKeepsTheObject()
    {
        var reference = LeakCheck.Track(() => new byte[1024]);

        reference.Should().BeCollected();
    }

    [Fact]
    public void BeCollected_FindsADeliberatelyRootedObject()
    {
        var reference = LeakCheck.Track(() =>
        {
            var leaked = new object();
            Rooted.Add(leaked);
            return leaked;
        });

        reference.Invoking(r => r.Should().BeCollected()).Should().Throw<Exception>().WithMessage("*still reachable*");
        reference.Should().NotBeCollected("the static list roots it");
        Rooted.Clear();
        reference.Should().BeCollected();
    }
}
