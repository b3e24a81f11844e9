using System.Collections.Concurrent;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Grains;

/// <summary>
/// Fails the first training call of every client in experiments whose id starts with
/// <see cref="Prefix"/>, as a crashed or timed-out call would, so tests can watch retries.
/// </summary>
public sealed class FlakyClientFilter : IIncomingGrainCallFilter
{
    public const string Prefix = "flaky-";
    private readonly ConcurrentDictionary<(string, int, long), bool> _failed = new();

    public int Failures => _failed.Count;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is TrainRequest request &&
            request.ExperimentId.StartsWith(Prefix, StringComparison.Ordinal) &&
            context.TargetContext.GrainInstance is IClientGrain client)
        {
            long id = ((IGrainBase)client).GrainContext.GrainId.GetIntegerKey(out _);
            if (_failed.TryAdd((request.ExperimentId, request.Round, id), true))
                throw new TimeoutException($"simulated failure of client {id} in round {request.Round}");
        }
        return context.Invoke();
    }
}
