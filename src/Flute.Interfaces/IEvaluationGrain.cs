namespace Flute.Interfaces;

/// <summary>
/// Evaluates a model version on a slice of the experiment's test set on the silo that runs it, so
/// the experiment grain never pulls raw data. A stateless worker: one activation per trainer.
/// </summary>
[Alias("Flute.IEvaluationGrain")]
public interface IEvaluationGrain : IGrainWithStringKey
{
    [Alias("EvaluateAsync")]
    Task<EvaluationResult> EvaluateAsync(EvaluationRequest request);
}
