namespace PerfKit.Memory;

/// <summary>Conveniences over <see cref="IMemoryBudget"/>.</summary>
public static class MemoryBudgetExtensions
{
    /// <summary>Calls <paramref name="callback"/> on every change of pressure level until the returned handle is disposed.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="callback">Called with each change.</param>
    /// <returns>The subscription.</returns>
    public static IDisposable OnPressureChanged(this IMemoryBudget budget, Action<MemoryPressureChange> callback)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(callback);
        return budget.Subscribe(new ActionObserver(callback));
    }

    private sealed class ActionObserver(Action<MemoryPressureChange> callback) : IObserver<MemoryPressureChange>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(MemoryPressureChange value) => callback(value);
    }
}
