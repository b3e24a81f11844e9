namespace Flute.Interfaces;

/// <summary>Evaluate model version <see cref="ModelVersion"/> on samples [Start, Start + Count) of the test set (or of the validation split).</summary>
[GenerateSerializer, Immutable, Alias("Flute.EvaluationRequest")]
public sealed record EvaluationRequest(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] long ModelVersion,
    [property: Id(2)] int Start,
    [property: Id(3)] int Count)
{
    /// <summary>Evaluate on the validation split held out of the training pool instead of the test set.</summary>
    [Id(4)] public bool Validation { get; init; }
}

/// <summary>Correct predictions and summed loss over the evaluated slice.</summary>
[GenerateSerializer, Immutable, Alias("Flute.EvaluationResult")]
public sealed record EvaluationResult(
    [property: Id(0)] long Correct,
    [property: Id(1)] double LossSum,
    [property: Id(2)] int Count)
{
    /// <summary>
    /// The slice's state of the configured metrics (server.metrics; Flute.Core's <c>MetricSet</c>), which the
    /// experiment grain adds up over slices in slice order; null when no metric is configured.
    /// </summary>
    [Id(3)] public double[]? MetricState { get; init; }
}
