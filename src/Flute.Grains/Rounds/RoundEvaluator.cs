using System.Diagnostics;
using Flute.Core.Evaluation;
using Flute.Grains.Runtime;
using Flute.Grains.Torch;
using Flute.Interfaces;

namespace Flute.Grains.Rounds;

/// <summary>
/// Evaluates a model version on the test or validation split through the experiment's evaluation
/// grain: one work item per evaluation batch (at least one per trainer), with a bounded window in
/// flight, so a large model's slice never waits in a trainer queue past the call timeout.
/// </summary>
public sealed class RoundEvaluator(IGrainFactory grains, TrainerPool trainers)
{
    /// <summary>
    /// <paramref name="version"/> on the test split and, when the experiment has one, the validation
    /// split, with the seconds both took: what a round's (and round 0's) metrics report.
    /// </summary>
    public async Task<VersionEvaluation> EvaluateVersionAsync(ExperimentContext context, long version)
    {
        long started = Stopwatch.GetTimestamp();
        SplitEvaluation test = await EvaluateAsync(context, version, validation: false);
        SplitEvaluation? validation = null;
        if (context.Data.Validation is not null)
            validation = await EvaluateAsync(context, version, validation: true);
        return new VersionEvaluation(test.Accuracy, test.Loss, validation?.Accuracy, validation?.Loss, Stopwatch.GetElapsedTime(started).TotalSeconds)
        {
            TestMetrics = test.Metrics,
            ValidationMetrics = validation?.Metrics,
        };
    }

    /// <summary>
    /// Accuracy, mean loss and the configured metrics (server.metrics; null when none) of <paramref name="version"/>;
    /// NaN for an empty split.
    /// </summary>
    public async Task<SplitEvaluation> EvaluateAsync(ExperimentContext context, long version, bool validation)
    {
        int total = validation ? context.Data.Validation!.Count : context.Data.Test.Count;
        MetricSet metrics = context.Metrics;
        int classes = context.Model.ClassCount;
        if (total == 0) return new SplitEvaluation(double.NaN, double.NaN, metrics.IsEmpty ? null : metrics.Finish(new double[metrics.StateLength(classes)], classes));
        int slices = Math.Max(Math.Min(total, trainers.Trainers), (total + context.Config.Server.EvalBatchSize - 1) / context.Config.Server.EvalBatchSize);
        int window = 2 * trainers.Trainers;
        var evaluator = grains.GetGrain<IEvaluationGrain>(context.ExperimentId);
        var results = new EvaluationResult[slices];
        var pending = new List<Task>(window);
        for (int s = 0; s < slices; s++)
        {
            if (pending.Count == window) pending.Remove(await Task.WhenAny(pending));
            int slice = s, start = (int)((long)total * s / slices), end = (int)((long)total * (s + 1) / slices);
            pending.Add(EvaluateSliceAsync(evaluator, new EvaluationRequest(context.ExperimentId, version, start, end - start) { Validation = validation }, results, slice));
        }
        await Task.WhenAll(pending);
        long correct = 0, count = 0;
        double loss = 0;
        double[]? state = metrics.IsEmpty ? null : new double[metrics.StateLength(classes)];
        foreach (var r in results)
        {
            // Summed in slice order, so the reported loss and metrics do not depend on completion order.
            correct += r.Correct;
            loss += r.LossSum;
            count += r.Count;
            if (state is not null)
                MetricSet.Add(r.MetricState ?? throw new InvalidOperationException("an evaluation slice came back without the metrics' state"), state);
        }
        return new SplitEvaluation((double)correct / count, loss / count, state is null ? null : metrics.Finish(state, classes));
    }

    private static async Task EvaluateSliceAsync(IEvaluationGrain evaluator, EvaluationRequest request, EvaluationResult[] results, int slice) =>
        results[slice] = await evaluator.EvaluateAsync(request);
}

/// <summary>A model version's evaluation (<see cref="RoundEvaluator.EvaluateVersionAsync"/>).</summary>
/// <param name="TestAccuracy">Accuracy on the test split.</param>
/// <param name="TestLoss">Mean loss on the test split.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split, or null without one.</param>
/// <param name="ValidationLoss">Mean loss on the validation split, or null without one.</param>
/// <param name="Seconds">Wall time of both evaluations.</param>
public sealed record VersionEvaluation(double TestAccuracy, double TestLoss, double? ValidationAccuracy, double? ValidationLoss, double Seconds)
{
    /// <summary>The configured metrics (server.metrics) on the test split, by name; null when none is configured.</summary>
    public IReadOnlyDictionary<string, double>? TestMetrics { get; init; }

    /// <summary>The configured metrics on the validation split; null without one or without metrics.</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics { get; init; }
}

/// <summary>One split's evaluation (<see cref="RoundEvaluator.EvaluateAsync"/>).</summary>
/// <param name="Accuracy">Share of argmax predictions equal to the label.</param>
/// <param name="Loss">Mean cross-entropy loss.</param>
/// <param name="Metrics">The configured metrics by name, or null when none is configured.</param>
public sealed record SplitEvaluation(double Accuracy, double Loss, IReadOnlyDictionary<string, double>? Metrics);
