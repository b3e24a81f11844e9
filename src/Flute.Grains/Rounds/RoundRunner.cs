using System.Diagnostics;
using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Persistence;
using Flute.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Messaging;

namespace Flute.Grains.Rounds;

/// <summary>
/// Runs one round's training: fans the cohort's training calls out with a bounded window in flight,
/// retries failed calls (client work is a pure function of its request, so a retry changes nothing),
/// takes each reply into the round's <see cref="RoundAggregator"/> as it arrives (or notes which silo
/// folded it), then collects one partial aggregate per silo — training again, with updates sent here,
/// the clients of a partial that does not hold exactly what its silo reported.
/// </summary>
public sealed partial class RoundRunner(IGrainFactory grains, PayloadBufferPool payloads, CrashPoints crashPoints, ILogger logger)
{
    /// <summary>Individual updates are counted under "direct": which silo trained them is not reported back.</summary>
    private const string LocalLabel = "direct";

    /// <summary>How long calls may keep failing because a silo is unreachable (while the cluster notices it left) before they count as retries.</summary>
    private static readonly TimeSpan s_unreachableBudget = TimeSpan.FromMinutes(2);

    private GrainType _clientGrainType;
    private GrainInterfaceType _clientInterfaceType;

    /// <summary>
    /// Trains <paramref name="cohort"/> with <paramref name="request"/> into <paramref name="aggregator"/>
    /// (reset by the caller). Silos whose partials were collected are added to <paramref name="silosUsed"/>.
    /// The clients of <paramref name="attack"/>, if any, get requests carrying the attack.
    /// </summary>
    public async Task<RoundCollection> RunAsync(long[] cohort, TrainRequest request, int window, int maxRetries, RoundAggregator aggregator, ISet<string> silosUsed, RoundAttack? attack = null)
    {
        var collection = new RoundCollection();
        await TrainAllAsync(cohort, request, attack, maxRetries, window, aggregator, collection, crashAtHalf: true);

        // One partial aggregate per silo; a partial that does not hold exactly the clients that
        // silo reported (a silo lost, or a retried call that also finished there) is dropped and
        // its clients are trained again with their updates sent here: each client counts once.
        RoundTally tally = aggregator.Tally;
        foreach (var (silo, expected) in collection.BySilo)
        {
            silosUsed.Add(silo);
            PartialAggregate? partial = await TakePartialAsync(silo, request);
            if (partial is not null && partial.ClientIds.Length == expected.Count && partial.ClientIds.All(expected.Contains))
            {
                aggregator.AddPartial(MemoryMarshal.Cast<byte, long>(partial.Sums), partial.WeightSum, partial.ClientIds.Length, partial.FractionBits, partial.ClientIds);
                tally.Merge(partial.ClientIds.Length, partial.LossSum, partial.LossWeight, partial.LossCount);
                tally.Clipped += partial.ClippedCount;
                collection.UpdateBytes += partial.Sums.Length + sizeof(long) * partial.ClientIds.Length;
                collection.SiloClients[SiloLabel(silo)] = expected.Count;
                collection.AliveAfter = (collection.AliveAfter ?? 0) + partial.ClientGrainsActive;
            }
            else
            {
                LogPartialDropped(logger, request.ExperimentId, request.Round, silo, expected.Count, partial?.ClientIds.Length ?? -1);
                tally.Retries += expected.Count;
                var direct = new RoundCollection();
                await TrainAllAsync([.. expected.Order()], request with { FoldOnSilo = false }, attack, maxRetries, window, aggregator, direct, crashAtHalf: false);
                collection.UpdateBytes += direct.UpdateBytes;
                foreach (var (label, n) in direct.SiloClients) collection.SiloClients[label] = collection.SiloClients.GetValueOrDefault(label) + n;
            }
        }
        return collection;
    }

    /// <summary>Runs training calls for <paramref name="clients"/> with a bounded window in flight and takes each reply as it arrives.</summary>
    private async Task TrainAllAsync(long[] clients, TrainRequest request, RoundAttack? attack, int maxRetries, int window, RoundAggregator aggregator, RoundCollection collection, bool crashAtHalf)
    {
        var pending = new List<Task<TrainResult>>(window);
        int next = 0, taken = 0;
        while (next < clients.Length || pending.Count > 0)
        {
            while (pending.Count < window && next < clients.Length)
            {
                long client = clients[next++];
                pending.Add(TrainWithRetriesAsync(client, attack?.For(client, request) ?? request, maxRetries, aggregator.Tally));
            }
            Task<TrainResult> done = await Task.WhenAny(pending);
            pending.Remove(done);
            Take(await done, request, aggregator, collection);
            if (crashAtHalf && ++taken == (clients.Length + 1) / 2) crashPoints.Check(request.Round, "train");
        }
    }

    private async Task<TrainResult> TrainWithRetriesAsync(long client, TrainRequest request, int maxRetries, RoundTally tally)
    {
        var grain = ClientReference(client, request.ExperimentId);
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0, unreachable = 0; ; attempt++)
        {
            try
            {
                return await grain.TrainAsync(request);
            }
            catch (Exception e) when (IsUnreachable(e) && Stopwatch.GetElapsedTime(started) < s_unreachableBudget)
            {
                // The client's silo is gone or going: the cluster re-places the grain once membership
                // declares the silo dead (seconds). Such failures do not use up the retries.
                tally.Retries++;
                LogRetry(logger, e, request.ExperimentId, request.Round, client, attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(unreachable++, 5))));
            }
            catch (Exception e) when (attempt < maxRetries)
            {
                // Client work is a pure function of its request, so a retry cannot change the result;
                // dropping the client instead would make the run depend on timing.
                tally.Retries++;
                LogRetry(logger, e, request.ExperimentId, request.Round, client, attempt + 1);
            }
        }
    }

    private static bool IsUnreachable(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or ConnectionFailedException
        || (e.InnerException is { } inner && IsUnreachable(inner));

    private void Take(TrainResult result, TrainRequest request, RoundAggregator aggregator, RoundCollection collection)
    {
        RoundTally tally = aggregator.Tally;
        if (result.Activated) tally.Activations++;
        if (result.FoldedOn is string silo)
        {
            collection.Expect(silo, result.ClientId);
            return;
        }
        if (result.Rejected is string reason)
        {
            tally.Rejected++;
            LogRejected(logger, request.ExperimentId, request.Round, result.ClientId, reason);
            return;
        }
        if (result.Payload is null || result.SampleCount == 0) return;
        try
        {
            collection.UpdateBytes += result.Payload.Length;
            collection.SiloClients[LocalLabel] = collection.SiloClients.GetValueOrDefault(LocalLabel) + 1;
            FoldStatus status = aggregator.Take(result.Payload, result.ClientId, request.Round, request.ModelVersion);
            if (status == FoldStatus.Folded && result.Clipped) tally.Clipped++;
            if (status != FoldStatus.Folded) LogRejected(logger, request.ExperimentId, request.Round, result.ClientId, status.ToString());
        }
        finally
        {
            // The fold (or the buffer's decoded copy) is done with the payload.
            payloads.Return(result.Payload);
        }
    }

    private async Task<PartialAggregate?> TakePartialAsync(string silo, TrainRequest request)
    {
        try
        {
            return await grains.GetGrain<ISiloAgentGrain>(silo).TakePartialAsync(request.ExperimentId, request.Round, request.ModelVersion);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPartialFailed(logger, e, request.ExperimentId, request.Round, silo);
            return null;
        }
    }

    /// <summary>
    /// A reference to a client grain, built from a cached grain type and interface type:
    /// <c>GetGrain&lt;IClientGrain&gt;(long, string)</c> resolves the interface type by reflection on every
    /// call, which was ~5% of the CPU of a 10,000-client round and ran on the experiment grain's single thread.
    /// </summary>
    private IClientGrain ClientReference(long client, string experimentId)
    {
        if (_clientInterfaceType.IsDefault)
        {
            var probe = (GrainReference)(object)grains.GetGrain<IClientGrain>(client, experimentId);
            _clientGrainType = probe.GrainId.Type;
            _clientInterfaceType = probe.InterfaceType;
        }
        var id = GrainId.Create(_clientGrainType, GrainIdKeyExtensions.CreateIntegerKey(client, experimentId));
        return (IClientGrain)grains.GetGrain(id, _clientInterfaceType);
    }

    /// <summary>"127.0.0.1:11111" for "127.0.0.1:11111@123456789" (the silo's generation is noise in metrics).</summary>
    private static string SiloLabel(string siloAddress) =>
        siloAddress.IndexOf('@') is int at and >= 0 ? siloAddress[..at] : siloAddress;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: training call to client {Client} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, string experimentId, int round, long client, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: update of client {Client} rejected ({Status})")]
    private static partial void LogRejected(ILogger logger, string experimentId, int round, long client, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: the partial aggregate of silo {Silo} is unusable ({Expected} clients reported, {Held} held; -1 = none); training those clients again")]
    private static partial void LogPartialDropped(ILogger logger, string experimentId, int round, string silo, int expected, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: could not collect the partial aggregate of silo {Silo}")]
    private static partial void LogPartialFailed(ILogger logger, Exception exception, string experimentId, int round, string silo);
}
