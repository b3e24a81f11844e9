using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Strategies;
using Flute.Interfaces;

namespace Flute.Grains.Runtime;

/// <summary>
/// This silo's partial aggregates, one per (experiment, round): client grains fold their updates here
/// (<see cref="UpdateFold"/>, under a lock: folds are microseconds next to training) and the silo's
/// agent grain hands the sums to the experiment grain at the end of the round. A client folded twice
/// on this silo (a retried call whose first attempt also finished) counts once.
/// </summary>
public sealed class PartialAggregates
{
    private readonly ConcurrentDictionary<(string Experiment, int Round), RoundPartial> _rounds = new();

    /// <summary>Folds one client's payload into the round's partial (<paramref name="clipped"/>: its update was clipped); returns the fold's status.</summary>
    public FoldStatus Fold(string experimentId, int round, long modelVersion, long client, byte[] payload, IStrategy strategy, int parameters, bool clipped = false)
    {
        var key = (experimentId, round);
        if (!_rounds.TryGetValue(key, out RoundPartial? partial))
        {
            partial = _rounds.GetOrAdd(key, _ => new RoundPartial(modelVersion, parameters));
            // Rounds two behind are over (the experiment grain took or abandoned them).
            foreach (var old in _rounds.Keys)
                if (old.Experiment == experimentId && old.Round <= round - 2) _rounds.TryRemove(old, out _);
        }
        return partial.Fold(client, round, modelVersion, payload, strategy, clipped);
    }

    /// <summary>Removes the round's partial and returns it as a wire message, or null when this silo holds none.</summary>
    public PartialAggregate? Take(string experimentId, int round, long modelVersion, long clientGrainsActive)
    {
        if (!_rounds.TryRemove((experimentId, round), out RoundPartial? partial)) return null;
        return partial.ModelVersion == modelVersion ? partial.ToMessage(clientGrainsActive) : null;
    }

    public void Remove(string experimentId)
    {
        foreach (var key in _rounds.Keys)
            if (key.Experiment == experimentId) _rounds.TryRemove(key, out _);
    }

    private sealed class RoundPartial(long modelVersion, int parameters)
    {
        private readonly Lock _gate = new();
        private readonly FixedPointAccumulator _sums = new(parameters);
        private readonly RoundTally _tally = new();
        private readonly List<long> _clients = [];
        private readonly HashSet<long> _seen = [];

        public long ModelVersion { get; } = modelVersion;

        public FoldStatus Fold(long client, int round, long version, byte[] payload, IStrategy strategy, bool clipped)
        {
            if (version != ModelVersion)
                throw new InvalidDataException($"client {client} trained model version {version}, but round {round} on this silo folds version {ModelVersion}");
            lock (_gate)
            {
                if (_seen.Contains(client)) return FoldStatus.Folded;
                FoldStatus status = UpdateFold.Fold(payload, client, round, version, strategy, _sums, _tally);
                if (status == FoldStatus.Folded)
                {
                    _seen.Add(client);
                    _clients.Add(client);
                    if (clipped) _tally.Clipped++;
                }
                return status;
            }
        }

        public PartialAggregate ToMessage(long clientGrainsActive)
        {
            lock (_gate)
            {
                var (lossSum, lossWeight, lossCount) = _tally.LossState;
                return new PartialAggregate(
                    [.. _clients],
                    MemoryMarshal.AsBytes(_sums.Sums).ToArray(),
                    _sums.WeightSum,
                    _sums.FractionBits,
                    lossSum,
                    lossWeight,
                    clientGrainsActive,
                    lossCount)
                {
                    ClippedCount = _tally.Clipped,
                };
            }
        }
    }
}
