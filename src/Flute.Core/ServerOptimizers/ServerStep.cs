using Flute.Core.Configuration;
using Flute.Core.Schedules;

namespace Flute.Core.ServerOptimizers;

/// <summary>
/// The server's step of a round: the configured optimizer (server.optimizer with every server.*
/// hyper-parameter) at the learning rate server.lr_schedule gives that round. The rate is a pure
/// function of the round, so a resumed run steps exactly as an uninterrupted one once the optimizer's
/// state is imported.
/// </summary>
public sealed class ServerStep
{
    /// <summary>Creates the step from an optimizer and the schedule of its learning rate.</summary>
    public ServerStep(IServerOptimizer optimizer, LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        Optimizer = optimizer;
        Schedule = schedule;
    }

    /// <summary>The step a configuration asks for: <see cref="ServerOptimizerRegistry.Create(FluteConfig)"/> and <see cref="LearningRateSchedule.ForServer"/>.</summary>
    /// <exception cref="ArgumentException">The optimizer is not registered or a hyper-parameter is out of range.</exception>
    public static ServerStep From(FluteConfig config) =>
        new(ServerOptimizerRegistry.Create(config), LearningRateSchedule.ForServer(config));

    /// <summary>The optimizer, whose state the checkpoint holds.</summary>
    public IServerOptimizer Optimizer { get; }

    /// <summary>The server learning rate by round.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>Updates <paramref name="weights"/> in place with round <paramref name="round"/>'s (1-based) aggregate and learning rate.</summary>
    public void Apply(Span<float> weights, ReadOnlySpan<float> pseudoGradient, int round) =>
        Optimizer.Step(weights, pseudoGradient, Schedule.At(round));
}
