using Orleans.Concurrency;

namespace Flute.Interfaces;

/// <summary>
/// One federated experiment (key: experiment id). Drives rounds one step at a time: samples a
/// cohort, fans out training calls that carry the model version, folds pseudo-gradients as they
/// arrive, steps the server optimizer and evaluates on its cadence.
/// </summary>
[Alias("Flute.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>Starts the experiment; returns once it is set up and its first round is scheduled.</summary>
    [Alias("StartAsync")]
    Task StartAsync(ExperimentSpec spec);

    /// <summary>Status and the metrics of rounds after <paramref name="afterRound"/>.</summary>
    [AlwaysInterleave, Alias("GetProgressAsync")]
    Task<ExperimentProgress> GetProgressAsync(int afterRound);

    /// <summary>The spec the experiment was started with (silos use it to load data).</summary>
    [AlwaysInterleave, Alias("GetSpecAsync")]
    Task<ExperimentSpec> GetSpecAsync();

    /// <summary>The global weights of a recent model version as float32 little-endian bytes.</summary>
    /// <remarks>Interleaves: client grains call it while this grain awaits their training calls.</remarks>
    [AlwaysInterleave, Alias("GetModelAsync")]
    Task<Immutable<byte[]>> GetModelAsync(long version);
}
