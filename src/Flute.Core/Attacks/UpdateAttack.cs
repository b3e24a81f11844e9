using System.Numerics.Tensors;
using Flute.Core.Randomness;

namespace Flute.Core.Attacks;

/// <summary>
/// Replaces an attacker's update with a manipulated one, for robustness experiments: sign flipping and
/// scaling (the model-poisoning baselines of, e.g., Fang, Cao, Jia and Gong, "Local Model Poisoning
/// Attacks to Byzantine-Robust Federated Learning", USENIX Security 2020, arXiv:1911.11815) and Gaussian
/// noise in place of the update (Blanchard et al., NeurIPS 2017).
/// </summary>
public static class UpdateAttack
{
    /// <summary>The noise stream for one attacker in one round; independent of every other stream.</summary>
    public static DeterministicRandom NoiseStream(ulong seed, long round, long clientId) =>
        DeterministicRandom.For(seed, StreamPurpose.AttackNoise, round, clientId);

    /// <summary>
    /// Manipulates <paramref name="update"/> in place. <paramref name="noise"/> is required for
    /// <see cref="AttackType.Gaussian"/> (see <see cref="NoiseStream"/>), whose <paramref name="scale"/> is
    /// the standard deviation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not finite, or negative for a Gaussian attack; or the type is unknown.</exception>
    /// <exception cref="ArgumentNullException">A Gaussian attack without a noise stream.</exception>
    public static void Apply(AttackType type, Span<float> update, double scale, DeterministicRandom? noise = null)
    {
        if (!double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The attack scale must be finite.");
        }
        switch (type)
        {
            case AttackType.None:
                return;
            case AttackType.SignFlip:
                TensorPrimitives.Multiply(update, (float)-scale, update);
                return;
            case AttackType.Scale:
                TensorPrimitives.Multiply(update, (float)scale, update);
                return;
            case AttackType.Gaussian:
                ArgumentNullException.ThrowIfNull(noise);
                if (scale < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(scale), scale, "A Gaussian attack's scale is a standard deviation and cannot be negative.");
                }
                for (int i = 0; i < update.Length; i++)
                {
                    update[i] = (float)(scale * noise.NextGaussian());
                }
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown attack type.");
        }
    }
}
