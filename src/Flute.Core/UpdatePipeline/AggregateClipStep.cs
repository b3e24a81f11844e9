using Flute.Core.Privacy;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// Scales the round's pseudo-gradient to L2 norm ≤ C (<see cref="UpdateClipping.ClipL2"/>): bounds
/// how far one server step can move the model, whatever the clients sent. Configured as <c>clip</c> in
/// <c>server.aggregate_steps</c> with C = privacy.aggregate_clip_norm.
/// </summary>
public sealed class AggregateClipStep : IAggregateStep
{
    /// <summary>The registered name.</summary>
    public const string StepName = "clip";

    /// <summary>Creates the step for clip norm <paramref name="clipNorm"/> (&gt; 0).</summary>
    public AggregateClipStep(double clipNorm)
    {
        if (!(clipNorm > 0 && double.IsFinite(clipNorm))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm must be a finite number > 0.");
        ClipNorm = clipNorm;
    }

    /// <summary>C.</summary>
    public double ClipNorm { get; }

    /// <inheritdoc />
    public string Name => StepName;

    /// <inheritdoc />
    public void Apply(Span<float> pseudoGradient, in AggregateStepContext context) => UpdateClipping.ClipL2(pseudoGradient, ClipNorm);
}
