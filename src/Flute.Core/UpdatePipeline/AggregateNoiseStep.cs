using Flute.Core.Randomness;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// Adds Gaussian noise N(0, σ²) to every value of the round's pseudo-gradient, drawn from the
/// (seed, <see cref="StreamPurpose.AggregateNoise"/>, round) stream. Configured as <c>gaussian_noise</c>
/// in <c>server.aggregate_steps</c> with σ = privacy.aggregate_noise_stddev; it is a mechanism to study
/// (e.g. after <c>clip</c>), not an accounted one — DP-FedAvg's own noise, whose ε the accountant
/// reports, goes through <see cref="ScaleAndAddNoise"/> inside that strategy.
/// </summary>
public sealed class AggregateNoiseStep : IAggregateStep
{
    /// <summary>The registered name.</summary>
    public const string StepName = "gaussian_noise";

    /// <summary>Creates the step for standard deviation <paramref name="stddev"/> (≥ 0).</summary>
    public AggregateNoiseStep(double stddev)
    {
        if (!(stddev >= 0 && double.IsFinite(stddev))) throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "The standard deviation must be a finite number ≥ 0.");
        Stddev = stddev;
    }

    /// <summary>σ.</summary>
    public double Stddev { get; }

    /// <inheritdoc />
    public string Name => StepName;

    /// <inheritdoc />
    public void Apply(Span<float> pseudoGradient, in AggregateStepContext context) =>
        ScaleAndAddNoise(pseudoGradient, 1, Stddev, DeterministicRandom.For(context.Seed, StreamPurpose.AggregateNoise, context.Round));

    /// <summary>
    /// values[i] ← values[i]·<paramref name="scale"/> + <paramref name="stddev"/>·g_i, with g_i the next standard
    /// normal draws of <paramref name="random"/>, in index order (so the result is a function of the stream).
    /// </summary>
    public static void ScaleAndAddNoise(Span<float> values, double scale, double stddev, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(values[i] * scale + stddev * random.NextGaussian());
        }
    }
}
