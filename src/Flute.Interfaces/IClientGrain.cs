namespace Flute.Interfaces;

/// <summary>
/// One simulated client (key: client id + experiment id). Holds no model: it trains the requested
/// model version on its own data shard through the silo's trainer pool and returns its
/// pseudo-gradient. Needed for one round, so it deactivates as soon as it has answered.
/// </summary>
[Alias("Flute.IClientGrain")]
public interface IClientGrain : IGrainWithIntegerCompoundKey
{
    [Alias("TrainAsync")]
    Task<TrainResult> TrainAsync(TrainRequest request);
}
