namespace PerfKit.TestUtilities;

/// <summary>Reproducible Zipf-distributed key traces (inverse-CDF sampling over a precomputed table).</summary>
public static class ZipfTrace
{
    /// <summary>Generates <paramref name="requests"/> key indexes in [0, <paramref name="keys"/>) with skew <paramref name="s"/>.</summary>
    /// <param name="keys">How many distinct keys.</param>
    /// <param name="requests">How many requests.</param>
    /// <param name="s">The Zipf exponent (0.9 is typical of web traffic).</param>
    /// <param name="seed">The random seed, for reproducible traces.</param>
    /// <returns>The trace.</returns>
    public static int[] Generate(int keys, int requests, double s, int seed)
    {
        var cdf = new double[keys];
        double sum = 0;
        for (var i = 0; i < keys; i++)
        {
            sum += 1 / Math.Pow(i + 1, s);
            cdf[i] = sum;
        }

        var random = new Random(seed);
        var trace = new int[requests];
        for (var r = 0; r < requests; r++)
        {
            var index = Array.BinarySearch(cdf, random.NextDouble() * sum);
            trace[r] = index < 0 ? ~index : index;
        }

        return trace;
    }
}

/// <summary>A plain LRU of fixed capacity: the reference an eviction policy is measured against.</summary>
/// <param name="capacity">How many keys it holds.</param>
public sealed class ReferenceLru(int capacity)
{
    private readonly Dictionary<int, LinkedListNode<int>> _map = [];
    private readonly LinkedList<int> _order = new();

    /// <summary>Looks a key up, inserting it (and evicting the least recently used) on a miss.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it was a hit.</returns>
    public bool Touch(int key)
    {
        if (_map.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            return true;
        }

        if (_map.Count == capacity)
        {
            _map.Remove(_order.Last!.Value);
            _order.RemoveLast();
        }

        _map[key] = _order.AddFirst(key);
        return false;
    }
}
