namespace Flute.Core.UpdatePipeline;

/// <summary>
/// One step a client applies to its float32 update after training and before the codec encodes it
/// (clipping, local DP noise, ...), in the spirit of pfl-research's postprocessors. Steps run in the
/// order <see cref="ClientUpdatePipeline"/> lists them, each in place on the whole update the strategy
/// sends (for SCAFFOLD: the pseudo-gradient followed by Δc). A step is built once per experiment from
/// the config, so it must be stateless and thread-safe; randomness comes from
/// <see cref="UpdateStepContext"/>'s (seed, round, client) under the step's own stream purpose, so a
/// retried or re-run training call produces the same bits.
/// </summary>
public interface IUpdateStep
{
    /// <summary>The registered name (what <c>client.update_steps</c> lists).</summary>
    string Name { get; }

    /// <summary>Transforms <paramref name="update"/> in place.</summary>
    void Apply(Span<float> update, in UpdateStepContext context);
}

/// <summary>Who is applying a step: the experiment's root seed, the round and the client, to key random streams.</summary>
/// <param name="Seed">experiment.seed.</param>
/// <param name="Round">The round the update was trained in.</param>
/// <param name="ClientId">The client that trained it.</param>
public readonly record struct UpdateStepContext(ulong Seed, int Round, long ClientId);
