namespace Flute.Core.Evaluation;

/// <summary>
/// An evaluation metric beyond accuracy and loss (server.metrics), computed from a model's outputs —
/// logits, row-major [samples, classes] — and the integer labels. Evaluation runs in slices on
/// several trainers and silos, so a metric keeps a <b>state</b> of doubles that slices add up: each
/// slice accumulates into its own zeroed state, the states are summed element by element in slice
/// order, and <see cref="Finish"/> turns the sum into the value. The result then does not depend on
/// which slice finished first (and, for states of integer counts below 2^53, not even on the order of
/// the sum). A metric is built once per experiment from the config and must be stateless itself.
/// </summary>
public interface IMetric
{
    /// <summary>The registered name (what <c>server.metrics</c> lists; reported as <c>test_&lt;name&gt;</c> and <c>val_&lt;name&gt;</c>).</summary>
    string Name { get; }

    /// <summary>How many doubles the state holds for a model with <paramref name="classes"/> outputs.</summary>
    int StateLength(int classes);

    /// <summary>
    /// Adds the samples of one batch to <paramref name="state"/> (of <see cref="StateLength"/> values):
    /// <paramref name="logits"/> holds <c>labels.Length × classes</c> values, row by row.
    /// </summary>
    void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state);

    /// <summary>The metric of the summed state; NaN when it is undefined (e.g. no samples).</summary>
    double Finish(ReadOnlySpan<double> state, int classes);
}
