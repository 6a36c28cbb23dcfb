// README: notifications-usings

// Scaffolding: the Notifications section's quick start is a second program; Program.cs runs it after the first.
internal static class NotificationsQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        // README: notifications
    }
}
