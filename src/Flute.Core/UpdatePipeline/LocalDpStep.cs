using Flute.Core.Privacy;
using Flute.Core.Randomness;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// Local differential privacy (FLUTE's option): the client clips its update to L2 norm C and adds
/// Gaussian noise N(0, σ²) to every value before sending, so each update on its own is (ε, δ)-DP with
/// respect to the client's whole data. σ is the classical Gaussian mechanism's calibration
/// σ = C·√(2 ln(1.25/δ))/ε (Dwork and Roth 2014, Theorem A.1: L2 sensitivity C, tight for ε &lt; 1 and
/// conservative above). The noise comes from the client's own stream (<see cref="StreamPurpose.LocalDpNoise"/>,
/// keyed by round and client), never central DP's. Configured as <c>local_dp</c> in client.update_steps
/// with privacy.local_epsilon, privacy.local_delta and privacy.local_clip_norm.
/// </summary>
public sealed class LocalDpStep : IUpdateStep
{
    /// <summary>The registered name.</summary>
    public const string StepName = "local_dp";

    /// <summary>Creates the step for clip norm C, ε and δ.</summary>
    public LocalDpStep(double clipNorm, double epsilon, double delta)
    {
        if (!(clipNorm > 0 && double.IsFinite(clipNorm))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "The clip norm must be a finite number > 0.");
        if (!(epsilon > 0 && double.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a finite number > 0.");
        if (!(delta is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        ClipNorm = clipNorm;
        Epsilon = epsilon;
        Delta = delta;
        NoiseStdDev = GaussianSigma(clipNorm, epsilon, delta);
    }

    /// <summary>C.</summary>
    public double ClipNorm { get; }

    /// <summary>ε of each update.</summary>
    public double Epsilon { get; }

    /// <summary>δ of each update.</summary>
    public double Delta { get; }

    /// <summary>σ, the noise's standard deviation per value.</summary>
    public double NoiseStdDev { get; }

    /// <inheritdoc />
    public string Name => StepName;

    /// <summary>σ = C·√(2 ln(1.25/δ))/ε, the Gaussian mechanism's noise for L2 sensitivity C.</summary>
    public static double GaussianSigma(double sensitivity, double epsilon, double delta) =>
        sensitivity * Math.Sqrt(2 * Math.Log(1.25 / delta)) / epsilon;

    /// <inheritdoc />
    public void Apply(Span<float> update, in UpdateStepContext context)
    {
        UpdateClipping.ClipL2(update, ClipNorm);
        var random = DeterministicRandom.For(context.Seed, StreamPurpose.LocalDpNoise, context.Round, context.ClientId);
        for (int i = 0; i < update.Length; i++)
        {
            update[i] = (float)(update[i] + NoiseStdDev * random.NextGaussian());
        }
    }
}
