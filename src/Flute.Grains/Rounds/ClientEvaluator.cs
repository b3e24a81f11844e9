using Flute.Core.Evaluation;
using Flute.Grains.Runtime;
using Flute.Interfaces;

namespace Flute.Grains.Rounds;

/// <summary>
/// Per-client evaluation of a round's model version (server.client_eval): each chosen client tests it
/// on its own test split (and, with personalization steps, after fine-tuning) through its client
/// grain, with a bounded window of calls in flight as training has; a failed call is retried up to
/// server.max_retries times. Clients without test samples are left out of the spread.
/// </summary>
public sealed class ClientEvaluator(IGrainFactory grains)
{
    /// <summary>The spread of client accuracy of the global model and, when asked, of the personalized models; nulls when no client had test samples.</summary>
    public async Task<(ClientAccuracy? Global, ClientAccuracy? Personalized)> EvaluateAsync(
        ExperimentContext context, int round, long version, IReadOnlyList<long> clients, int window)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var config = context.Config;
        var request = new ClientEvaluationRequest(context.ExperimentId, round, version, config.Experiment.Seed, config.Server.PersonalizationSteps);
        var results = new ClientEvaluationResult[clients.Count];
        var pending = new List<Task>(window);
        for (int i = 0; i < clients.Count; i++)
        {
            if (pending.Count == window) pending.Remove(await Task.WhenAny(pending));
            pending.Add(EvaluateOneAsync(clients[i], request, config.Server.MaxRetries, results, i));
        }
        await Task.WhenAll(pending);

        var global = new List<double>(results.Length);
        var personalized = new List<double>(results.Length);
        foreach (ClientEvaluationResult r in results)
        {
            if (r.Count == 0) continue;
            global.Add((double)r.Correct / r.Count);
            if (r.PersonalizedCorrect is long tuned) personalized.Add((double)tuned / r.Count);
        }
        return (Summary(global), Summary(personalized));
    }

    private static ClientAccuracy? Summary(List<double> accuracies)
    {
        if (accuracies.Count == 0) return null;
        AccuracySpread spread = AccuracySpread.Of(accuracies);
        return new ClientAccuracy(spread.Clients, spread.Mean, spread.P10, spread.P50, spread.P90);
    }

    private async Task EvaluateOneAsync(long client, ClientEvaluationRequest request, int retries, ClientEvaluationResult[] results, int slot)
    {
        var grain = grains.GetGrain<IClientGrain>(client, request.ExperimentId);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                results[slot] = await grain.EvaluateAsync(request);
                return;
            }
            catch (Exception e) when (attempt < retries && e is not (ArgumentException or OutOfMemoryException))
            {
                // A silo lost mid-call: the grain activates elsewhere on the next attempt.
            }
        }
    }
}
