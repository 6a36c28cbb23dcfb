namespace PerfKit.Memory.Resources;

/// <summary>A hold on a loaded <see cref="LazyResource{T}"/>: the resource is not unloaded until every lease is disposed.</summary>
/// <typeparam name="T">The resource type.</typeparam>
public sealed class LazyResourceLease<T> : IDisposable, IAsyncDisposable
    where T : class
{
    private LazyResource<T>? _owner;
    private T? _value;

    internal LazyResourceLease(LazyResource<T> owner, T value)
    {
        _owner = owner;
        _value = value;
    }

    /// <summary>The resource. Do not keep it past <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The lease was released.</exception>
    public T Value
    {
        get
        {
            var value = Volatile.Read(ref _value);
            ObjectDisposedException.ThrowIf(value is null || Volatile.Read(ref _owner) is null, this);
            return value;
        }
    }

    /// <summary>Like <see cref="Dispose"/>, for <c>await using</c> and asynchronous owners; releasing a lease never waits.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Releases the lease, and its reference to the resource, so a lease kept around (say, in an async state machine) cannot keep an unloaded resource alive. Calling it twice is harmless.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _owner, null) is { } owner)
        {
            Volatile.Write(ref _value, null);
            owner.Release();
        }
    }
}
