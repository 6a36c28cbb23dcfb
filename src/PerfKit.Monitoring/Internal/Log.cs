namespace PerfKit.Monitoring.Internal;

// PerfKit.Monitoring's log messages, event ids 4000–4999: 4000–4499 collection, rules and health checks (this file),
// 4500–4999 notifications (Log.Notifications.cs).
internal static partial class Log
{
}
