namespace PerfKit.Streaming;

/// <summary>A processed item as a sink sees it.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <typeparam name="TResult">The processor's result type.</typeparam>
/// <param name="Item">The item from the source.</param>
/// <param name="Result">What the processor returned for it.</param>
/// <param name="Sequence">The item's 0-based position in the source.</param>
/// <param name="Key">The item's key (for a file, its relative path). Together with the item's version (for a file, <see cref="FileItem.IdempotencyKey"/>) it lets a sink drop a repeat after a crash.</param>
/// <param name="Weight">The item's weight (for a file, its length).</param>
public readonly record struct StreamingResult<TItem, TResult>(TItem Item, TResult Result, long Sequence, string Key, long Weight);
