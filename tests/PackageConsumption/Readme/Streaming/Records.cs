// README: records-usings

// Scaffolding: the Record readers section is a second program; Program.cs runs it after the quick start. The check
// and the clean-up after the blocks are not in the README.
internal static class RecordsQuickStart
{
    public static async Task RunAsync()
    {
        // README: records

        if ((lines, bytes, kept, skipped, total) != (4, 2011, 3, 1, 4))
        {
            throw new InvalidOperationException($"The Record readers blocks counted {(lines, bytes, kept, skipped, total)}; expected (4, 2011, 3, 1, 4).");
        }

        File.Delete(path);
    }
}
