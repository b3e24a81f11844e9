using Flute.Core.Configuration;
using Flute.Core.Heterogeneity;
using Flute.Core.Strategies;
using Flute.Grains.Runtime;
using Flute.Interfaces;

namespace Flute.Grains.Rounds;

/// <summary>
/// The experiment grain's virtual clock (devices.clock on; docs/heterogeneity.md): samples a round's
/// cohort among the clients online at the clock's time, plans who counts before anyone trains (every
/// input of a completion time is known here: the sample count from the data set, the bytes from the
/// model's layout and the strategy), and advances the time by the round's virtual duration. The time
/// is read back from the committed metrics history on resume, so it is part of the checkpoint.
/// </summary>
public sealed class RoundClock(DeviceClock clock) : IDisposable
{
    /// <summary>Virtual seconds since the experiment began (the end of the last recorded round).</summary>
    public double Now { get; private set; }

    /// <summary>The clock of <paramref name="config"/>, or null when devices.clock is off.</summary>
    public static RoundClock? From(FluteConfig config) =>
        DeviceClock.From(config) is { } clock ? new RoundClock(clock) : null;

    /// <summary>Continues from <paramref name="history"/>: the last recorded virtual time (0 for none).</summary>
    public void Restore(IReadOnlyList<RoundMetrics> history) =>
        Now = history.LastOrDefault(m => m.VirtualTime is not null)?.VirtualTime ?? 0;

    /// <summary>
    /// Samples and plans <paramref name="round"/>; the plan's <see cref="RoundPlan.Kept"/> clients are the
    /// ones to train. For FedBuff a round is a server step: the clients dispatched to refill its free
    /// slots, told to the strategy with their completion times.
    /// </summary>
    public (long[] Sampled, RoundPlan Plan) PlanRound(ExperimentContext context, int round)
    {
        FluteConfig config = context.Config;
        Func<long, ClientWork> work = WorkOf(context);
        if (context.Strategy is FedBuff fedBuff)
        {
            (long[] clients, int dropped) = clock.SampleDispatch(context.Data.Population, fedBuff.FreeSlots, round, fedBuff.Now, fedBuff.IsInFlight);
            fedBuff.Dispatch(clients.ToDictionary(id => id, id => clock.CompletionSeconds(id, work(id))));
            return (clients, new RoundPlan(clients, dropped, 0, 0));
        }
        int target = config.Server.ClientsPerRound;
        long[] sampled = clock.SampleCohort(context.Data.Population, target, round, Now);
        return (sampled, clock.Plan(round, sampled, target, work));
    }

    /// <summary>Advances the clock by the round's duration and returns <paramref name="metrics"/> with the clock's fields.</summary>
    public RoundMetrics Record(RoundMetrics metrics, RoundPlan plan, IStrategy strategy)
    {
        if (strategy is FedBuff fedBuff)
        {
            // The step's clients are the first M arrivals, not the clients dispatched (and trained) this round.
            double step = fedBuff.Now - Now;
            Now = fedBuff.Now;
            return metrics with
            {
                Clients = fedBuff.LastStep?.Clients ?? 0, VirtualSeconds = step, VirtualTime = Now,
                Dropped = plan.Dropped, Late = 0, Staleness = fedBuff.LastStep?.MeanStaleness,
            };
        }
        Now += plan.DurationSeconds;
        return metrics with { VirtualSeconds = plan.DurationSeconds, VirtualTime = Now, Dropped = plan.Dropped, Late = plan.Late };
    }

    /// <summary>A client's work as the server knows it before training: model bytes down, samples processed, update bytes up.</summary>
    private static Func<long, ClientWork> WorkOf(ExperimentContext context)
    {
        long modelBytes = context.Layout.ByteCount + (long)context.Strategy.VersionState.Length * sizeof(float);
        long updateBytes = (long)context.Strategy.UpdateLength(context.Layout.ParameterCount) * sizeof(float);
        var client = context.Config.Client;
        return id => new ClientWork(modelBytes, ClientWork.Processed(context.Data.SampleCount(id), client.MaxSamples, client.LocalEpochs), updateBytes);
    }

    /// <inheritdoc/>
    public void Dispose() => clock.Dispose();
}
