using Orleans.Concurrency;

namespace Flute.Interfaces;

/// <summary>
/// One federated experiment (key: experiment id). Drives rounds one step at a time: samples a
/// cohort, fans out training calls that carry the model version, folds pseudo-gradients as they
/// arrive, steps the server optimizer, evaluates on its cadence, and commits the round to storage
/// before the next begins.
/// </summary>
[Alias("Flute.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>Starts a new experiment; returns once round 0 (the initial weights) is committed and round 1 is scheduled.</summary>
    /// <exception cref="InvalidOperationException">The experiment already exists in the store.</exception>
    [Alias("StartAsync")]
    Task StartAsync(ExperimentSpec spec);

    /// <summary>Continues a stored experiment from its last committed round (or starts a new one from another's kept round).</summary>
    [Alias("ResumeAsync")]
    Task ResumeAsync(ResumeRequest request);

    /// <summary>Asks the experiment to stop at the next round boundary, with that round committed and the status paused.</summary>
    [AlwaysInterleave, Alias("PauseAsync")]
    Task PauseAsync();

    /// <summary>Status and the metrics of committed rounds after <paramref name="afterRound"/>.</summary>
    [AlwaysInterleave, Alias("GetProgressAsync")]
    Task<ExperimentProgress> GetProgressAsync(int afterRound);

    /// <summary>The spec the experiment runs with (silos use it to load data).</summary>
    [AlwaysInterleave, Alias("GetSpecAsync")]
    Task<ExperimentSpec> GetSpecAsync();

    /// <summary>The global weights of a recent model version as float32 little-endian bytes.</summary>
    /// <remarks>Interleaves: client grains call it while this grain awaits their training calls.</remarks>
    [AlwaysInterleave, Alias("GetModelAsync")]
    Task<Immutable<byte[]>> GetModelAsync(long version);
}
