using Flute.Core.Privacy;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// Scales the update to L2 norm ≤ C (scaled, never rejected; <see cref="UpdateClipping.ClipL2"/>).
/// Configured as <c>clip</c> in <c>client.update_steps</c> with C = privacy.clip_norm; DP-FedAvg's
/// clients run it first with the norm their instructions carry.
/// </summary>
public sealed class ClipStep : IUpdateStep
{
    /// <summary>The registered name.</summary>
    public const string StepName = "clip";

    /// <summary>Creates the step for clip norm <paramref name="clipNorm"/> (&gt; 0).</summary>
    public ClipStep(double clipNorm)
    {
        if (!(clipNorm > 0 && double.IsFinite(clipNorm))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm must be a finite number > 0.");
        ClipNorm = clipNorm;
    }

    /// <summary>C.</summary>
    public double ClipNorm { get; }

    /// <inheritdoc />
    public string Name => StepName;

    /// <inheritdoc />
    public void Apply(Span<float> update, in UpdateStepContext context) => UpdateClipping.ClipL2(update, ClipNorm);
}
