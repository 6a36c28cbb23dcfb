namespace PerfKit.Testing;

/// <summary>Entry point of the load-result assertions: <c>result.Should().HaveP95Below(200.Milliseconds())</c>.</summary>
public static class LoadResultAssertionsExtensions
{
    /// <summary>Starts assertions on a load result.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The assertions.</returns>
    public static LoadResultAssertions Should(this LoadResult result) => new(result);
}
