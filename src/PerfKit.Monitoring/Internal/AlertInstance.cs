using PerfKit.Monitoring.Alerting;

namespace PerfKit.Monitoring.Internal;

/// <summary>
/// The lifecycle of one alert (one rule, one group of series): Inactive → Pending → Firing → (resolved) Inactive, with
/// breaches in a row, a for-duration, a separate clear condition, keep-firing-for and flap detection. Pure: it is fed
/// one observation per tick and says what to publish.
/// </summary>
/// <remarks>
/// Notifications follow the state but are held back while the alert flaps: a flapping alert publishes nothing, and
/// when it calms down its state is published once if it differs from what was last published. So every published
/// Firing is followed by exactly one Resolved, whatever happens in between.
/// </remarks>
internal sealed class AlertInstance
{
    private readonly TimeSpan _for;
    private readonly int _breachesInARow;
    private readonly TimeSpan _keepFiringFor;
    private readonly int _flapThreshold;
    private readonly TimeSpan _flapWindow;
    private readonly DateTimeOffset[] _transitions;
    private int _transitionCount;
    private int _transitionNext;
    private int _consecutive;
    private DateTimeOffset _lastBadAt;

    public AlertInstance(AlertRuleOptions rule)
    {
        _for = rule.For;
        _breachesInARow = Math.Max(1, rule.BreachesInARow);
        _keepFiringFor = rule.KeepFiringFor;
        _flapThreshold = rule.FlapThreshold;
        _flapWindow = rule.FlapWindow;
        _transitions = new DateTimeOffset[Math.Max(1, _flapThreshold + 1)];
    }

    public AlertState State { get; private set; }

    public bool Flapping { get; private set; }

    /// <summary>When the current Pending or Firing period started.</summary>
    public DateTimeOffset? ActiveSince { get; private set; }

    /// <summary>The start of the episode last published as firing, while it is not resolved; null otherwise.</summary>
    public DateTimeOffset? NotifiedFiringSince { get; private set; }

    /// <summary>Feeds one observation.</summary>
    /// <param name="now">The tick's time.</param>
    /// <param name="hasData">Whether there was a value with enough samples; without, it counts as not breaching and cleared.</param>
    /// <param name="breach">Whether the firing condition holds.</param>
    /// <param name="clear">Whether a firing alert's condition is cleared (hysteresis: may differ from !breach).</param>
    /// <returns>What to publish: Firing, Resolved, or null.</returns>
    public Notifications.AlertStatus? Step(DateTimeOffset now, bool hasData, bool breach, bool clear)
    {
        if (hasData)
        {
            Advance(now, breach, clear);
        }
        else
        {
            // No data (an empty window, too few samples): never a breach. It resets a pending alert and resolves a
            // firing one (after keep-firing-for), so an alert whose metric went silent cannot fire for ever.
            Advance(now, breach: false, clear: true);
        }

        UpdateFlapping(now);
        if (Flapping)
        {
            return null;
        }

        if (State == AlertState.Firing && NotifiedFiringSince is null)
        {
            NotifiedFiringSince = ActiveSince;
            return Notifications.AlertStatus.Firing;
        }

        if (State != AlertState.Firing && NotifiedFiringSince is not null)
        {
            return Notifications.AlertStatus.Resolved;
        }

        return null;
    }

    /// <summary>Called after a Resolved was published.</summary>
    public void ResolvedPublished() => NotifiedFiringSince = null;

    private void Advance(DateTimeOffset now, bool breach, bool clear)
    {
        switch (State)
        {
            case AlertState.Inactive:
            case AlertState.Pending:
                if (!breach)
                {
                    _consecutive = 0;
                    State = AlertState.Inactive;
                    ActiveSince = null;
                    return;
                }

                _consecutive++;
                if (State == AlertState.Inactive)
                {
                    State = AlertState.Pending;
                    ActiveSince = now;
                }

                if (_consecutive >= _breachesInARow && now - ActiveSince!.Value >= _for)
                {
                    State = AlertState.Firing;
                    ActiveSince = now;
                    _lastBadAt = now;
                    RecordTransition(now);
                }

                return;

            case AlertState.Firing:
                if (!clear)
                {
                    _lastBadAt = now;
                    return;
                }

                if (now - _lastBadAt >= _keepFiringFor)
                {
                    State = AlertState.Inactive;
                    ActiveSince = null;
                    _consecutive = 0;
                    RecordTransition(now);
                }

                return;
        }
    }

    private void RecordTransition(DateTimeOffset now)
    {
        if (_flapThreshold <= 0)
        {
            return;
        }

        _transitions[_transitionNext] = now;
        _transitionNext = (_transitionNext + 1) % _transitions.Length;
        _transitionCount = Math.Min(_transitionCount + 1, _transitions.Length);
    }

    private void UpdateFlapping(DateTimeOffset now)
    {
        if (_flapThreshold <= 0)
        {
            return;
        }

        var recent = 0;
        for (var i = 0; i < _transitionCount; i++)
        {
            if (now - _transitions[i] < _flapWindow)
            {
                recent++;
            }
        }

        if (!Flapping && recent > _flapThreshold)
        {
            Flapping = true;
        }
        else if (Flapping && recent <= _flapThreshold / 2)
        {
            Flapping = false;
        }
    }
}
