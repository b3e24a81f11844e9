using Flute.Core.Configuration;
using Flute.Core.Privacy;
using Flute.Core.Registry;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// The steps a client applies to its update, in order: first what the round's strategy instructs
/// (DP-FedAvg's clip to its C), then the steps <c>client.update_steps</c> lists, left to right. A
/// simulated attacker manipulates the result, and the codec encodes it.
/// </summary>
public sealed class ClientUpdatePipeline
{
    /// <summary>Separates the names in <c>client.update_steps</c>.</summary>
    public const char Separator = ',';

    private readonly IUpdateStep[] _configured;

    /// <summary>Creates the pipeline of the configured steps.</summary>
    public ClientUpdatePipeline(IEnumerable<IUpdateStep> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        _configured = [.. configured];
    }

    /// <summary>The steps <c>client.update_steps</c> lists, in order.</summary>
    public IReadOnlyList<IUpdateStep> Configured => _configured;

    /// <summary>Builds the configured steps from <c>client.update_steps</c> through <see cref="Components.UpdateSteps"/>.</summary>
    /// <exception cref="ArgumentException">A listed name is not registered.</exception>
    public static ClientUpdatePipeline From(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ClientUpdatePipeline(ParseNames(config.Client.UpdateSteps).Select(name => Components.UpdateSteps.Create(name, config)));
    }

    /// <summary>The step names of a <c>client.update_steps</c> value ("" = none), trimmed, in order.</summary>
    public static IReadOnlyList<string> ParseNames(string value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(Separator, StringSplitOptions.TrimEntries)];

    /// <summary>
    /// Applies the strategy's clip (when <paramref name="instructedClipNorm"/> &gt; 0) and then every
    /// configured step to <paramref name="update"/>, in place. Returns whether the strategy's clip had
    /// to scale the update (its norm exceeded the bound: what DP-FedAvg's adaptive clipping counts).
    /// </summary>
    public bool Apply(Span<float> update, in UpdateStepContext context, double instructedClipNorm)
    {
        bool clipped = instructedClipNorm > 0 && UpdateClipping.ClipL2(update, instructedClipNorm) > instructedClipNorm;
        foreach (IUpdateStep step in _configured) step.Apply(update, context);
        return clipped;
    }
}
