using System.Collections.Concurrent;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Grains.Torch;
using Flute.Interfaces;

namespace Flute.Grains.Runtime;

/// <summary>
/// Builds each experiment's <see cref="ExperimentContext"/> once per silo: the config is read from
/// the experiment grain, the data set is loaded and partitioned locally (the partition is a pure
/// function of config and seed, so every silo computes the same one), and no raw data crosses the wire.
/// </summary>
public sealed class ExperimentContextCache(TrainerPool pool)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ExperimentContext>>> _contexts = new();

    /// <remarks>Called once per client per round: a built context is returned without allocating.</remarks>
    public Task<ExperimentContext> GetAsync(string experimentId, IGrainFactory grains) =>
        TryGetBuilt(experimentId) ??
        GetOrAdd(experimentId, async () => await BuildAsync(await grains.GetGrain<IExperimentGrain>(experimentId).GetSpecAsync()));

    public Task<ExperimentContext> GetAsync(ExperimentSpec spec) =>
        TryGetBuilt(spec.ExperimentId) ?? GetOrAdd(spec.ExperimentId, () => BuildAsync(spec));

    /// <summary>The experiments this silo holds data for.</summary>
    public IReadOnlyList<string> ExperimentIds => [.. _contexts.Keys.Order(StringComparer.Ordinal)];

    public void Remove(string experimentId) => _contexts.TryRemove(experimentId, out _);

    private Task<ExperimentContext>? TryGetBuilt(string experimentId) =>
        _contexts.TryGetValue(experimentId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value : null;

    private async Task<ExperimentContext> GetOrAdd(string experimentId, Func<Task<ExperimentContext>> build)
    {
        var lazy = _contexts.GetOrAdd(experimentId, _ => new Lazy<Task<ExperimentContext>>(() => Task.Run(build)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            // A failed build (e.g. a missing data file) must not poison the cache for a retry.
            _contexts.TryRemove(new KeyValuePair<string, Lazy<Task<ExperimentContext>>>(experimentId, lazy));
            throw;
        }
    }

    private async Task<ExperimentContext> BuildAsync(ExperimentSpec spec)
    {
        FluteConfig config = ConfigJson.Deserialize(spec.ConfigJson);
        FederatedData data = FederatedDataFactory.Load(config.Data, spec.DataDir, config.Experiment.Seed);
        // Per-client evaluation needs a test split per client: held out of each client's samples when the data set has none.
        if (config.Server.ClientEval != "none" && !data.HasClientTests)
            data = data.WithClientTestSplit(config.Server.ClientTestFraction, config.Experiment.Seed);
        var model = new ModelSpec(config.Model.Name, data.Train.SampleShape, data.Train.ClassCount, config.Model.Hidden);
        ModelLayout layout = await pool.DescribeAsync(model);
        return new ExperimentContext(spec.ExperimentId, config, data, model, layout);
    }
}
