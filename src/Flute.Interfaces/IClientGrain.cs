namespace Flute.Interfaces;

/// <summary>
/// One simulated client (key: client id + experiment id). Holds no model: it trains the requested
/// model version on its own data shard through the silo's trainer pool and returns its
/// pseudo-gradient. Needed for one round, so it deactivates as soon as it has answered.
/// </summary>
[Alias("Flute.IClientGrain")]
public interface IClientGrain : IGrainWithIntegerCompoundKey
{
    [Alias("TrainAsync")]
    Task<TrainResult> TrainAsync(TrainRequest request);

    /// <summary>
    /// Tests a model version on this client's own test split and, when asked, after a few local
    /// fine-tuning steps (personalization); changes no state.
    /// </summary>
    [Alias("EvaluateAsync")]
    Task<ClientEvaluationResult> EvaluateAsync(ClientEvaluationRequest request);
}

/// <summary>A per-client evaluation of <paramref name="ModelVersion"/> (server.client_eval) in <paramref name="Round"/>.</summary>
[GenerateSerializer, Immutable, Alias("Flute.ClientEvaluationRequest")]
public sealed record ClientEvaluationRequest(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] int Round,
    [property: Id(2)] long ModelVersion,
    [property: Id(3)] ulong Seed,
    [property: Id(4)] int PersonalizationSteps);

/// <summary>
/// Correct predictions among <paramref name="Count"/> test samples of the global model and, after
/// personalization steps, of the fine-tuned model (null when none were asked for).
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.ClientEvaluationResult")]
public sealed record ClientEvaluationResult(
    [property: Id(0)] long ClientId,
    [property: Id(1)] int Count,
    [property: Id(2)] long Correct,
    [property: Id(3)] long? PersonalizedCorrect);
