// README: program
await NotificationsQuickStart.RunAsync(args);   // scaffolding: the Notifications section's program (Notifications.cs)

// README: sink

// README: custom-notifier
