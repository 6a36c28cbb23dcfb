namespace PerfKit.Testing;

public static partial class LoadTest
{
    /// <summary>Cancels the run's iterations once they have run <see cref="LoadModel.GracefulStop"/> past the run's limit.</summary>
    private sealed class GracefulStop(LoadClock clock, CancellationTokenSource stop, TimeSpan grace) : IDisposable
    {
        private readonly CancellationTokenSource _done = new();
        private readonly Lock _sync = new();
        private int _armed;
        private bool _completed;
        private volatile bool _fired;

        public bool Fired => _fired;

        /// <summary>Starts the countdown from the moment the limit is (or will be) reached; once. A virtual clock would jump straight to it, so it has none.</summary>
        public void Arm(TimeSpan limitReachedAt)
        {
            if (clock is VirtualLoadClock || Interlocked.Exchange(ref _armed, 1) == 1)
            {
                return;
            }

            _ = FireAsync(limitReachedAt + grace);
        }

        public void Complete()
        {
            lock (_sync)
            {
                _completed = true;
            }

            _done.Cancel();
        }

        public void Dispose()
        {
            Complete();
            _done.Dispose();
        }

        private async Task FireAsync(TimeSpan at)
        {
            try
            {
                await clock.WaitUntilAsync(at, _done.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_sync)
            {
                if (!_completed)
                {
                    _fired = true;
                    stop.Cancel();
                }
            }
        }
    }
}
