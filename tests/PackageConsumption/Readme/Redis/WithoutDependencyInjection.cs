using PerfKit.Caching;
using PerfKit.Caching.Redis;

// The README's example without DI, compiled from the packed packages (the program above runs; this is built).
internal static class WithoutDependencyInjection
{
    public static async Task RunAsync(string redis)
    {
        // README: without-di
        await cache.SetAsync("price:42", 19.5m);
    }
}
