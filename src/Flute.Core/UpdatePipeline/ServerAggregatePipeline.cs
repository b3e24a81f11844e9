using Flute.Core.Configuration;
using Flute.Core.Registry;

namespace Flute.Core.UpdatePipeline;

/// <summary>
/// The steps the server applies to each round's pseudo-gradient, in the order <c>server.aggregate_steps</c>
/// lists them, after the strategy has finished the aggregate and before the server optimizer steps.
/// </summary>
public sealed class ServerAggregatePipeline
{
    private readonly IAggregateStep[] _steps;

    /// <summary>Creates the pipeline of <paramref name="steps"/>, applied in that order.</summary>
    public ServerAggregatePipeline(IEnumerable<IAggregateStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = [.. steps];
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IAggregateStep> Steps => _steps;

    /// <summary>Builds the steps <c>server.aggregate_steps</c> lists through <see cref="Components.AggregateSteps"/>.</summary>
    /// <exception cref="ArgumentException">A listed name is not registered.</exception>
    public static ServerAggregatePipeline From(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ServerAggregatePipeline(ClientUpdatePipeline.ParseNames(config.Server.AggregateSteps)
            .Select(name => Components.AggregateSteps.Create(name, config)));
    }

    /// <summary>Applies every step to <paramref name="pseudoGradient"/>, in place, in order.</summary>
    public void Apply(Span<float> pseudoGradient, in AggregateStepContext context)
    {
        foreach (IAggregateStep step in _steps) step.Apply(pseudoGradient, context);
    }
}
