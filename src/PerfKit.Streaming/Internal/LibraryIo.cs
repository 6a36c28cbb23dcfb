namespace PerfKit.Streaming.Internal;

/// <summary>
/// Marks the exceptions of the library's own file opens and reads (<see cref="StreamingItemContext.OpenRead"/> and
/// the record files), so that a failure report calls them read errors, and an I/O exception the processor raised on
/// its own a processor failure. Used as an exception filter that returns false: the exception goes on untouched.
/// </summary>
internal static class LibraryIo
{
    private const string Key = "PerfKit.Streaming.LibraryRead";

    public static bool Mark(Exception e)
    {
        if (e is IOException or UnauthorizedAccessException)
        {
            e.Data[Key] = true;
        }

        return false;
    }

    public static bool IsMarked(Exception e) => e.Data.Contains(Key);

    public static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Mark(e))
        {
            throw;
        }
    }
}
