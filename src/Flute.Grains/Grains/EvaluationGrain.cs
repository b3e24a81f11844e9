using Flute.Grains.Runtime;
using Flute.Grains.Torch;
using Flute.Interfaces;
using Orleans.Concurrency;

namespace Flute.Grains.Grains;

/// <summary>Evaluates a model version on a slice of the test set (or the validation split), on this silo's trainer pool.</summary>
[StatelessWorker]
public sealed class EvaluationGrain(ExperimentContextCache contexts, ModelCache models, TrainerPool trainers)
    : Grain, IEvaluationGrain
{
    public async Task<EvaluationResult> EvaluateAsync(EvaluationRequest request)
    {
        ExperimentContext context = await contexts.GetAsync(request.ExperimentId, GrainFactory);
        byte[] version = await models.GetAsync(request.ExperimentId, request.ModelVersion, GrainFactory);
        // A version may carry the strategy's state after the weights (ModelServer); evaluation needs the weights.
        EvalOutcome outcome = await trainers.EvaluateAsync(new EvalJob(
            context.Model, version.AsMemory(0, context.Layout.ByteCount), request.Validation ? context.Data.Validation! : context.Data.Test, request.Start, request.Count, context.Config.Server.EvalBatchSize,
            context.Metrics));
        return new EvaluationResult(outcome.Correct, outcome.LossSum, outcome.Count) { MetricState = outcome.MetricState };
    }
}
