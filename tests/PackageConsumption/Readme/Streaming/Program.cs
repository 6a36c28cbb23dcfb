// README: program
await RecordsQuickStart.RunAsync(); // scaffolding: the Record readers section's program (Records.cs)
