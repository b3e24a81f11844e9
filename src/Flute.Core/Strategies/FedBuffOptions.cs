namespace Flute.Core.Strategies;

/// <summary>FedBuff's settings (server.fedbuff_*).</summary>
/// <param name="Concurrency">C: clients training at once (server.fedbuff_concurrency).</param>
/// <param name="BufferSize">M: arrivals per server step (server.fedbuff_buffer), at most C.</param>
public sealed record FedBuffOptions(int Concurrency, int BufferSize)
{
    /// <summary>The staleness weight 1/√(1 + s) of an update computed from a model s server steps old (Nguyen et al. 2022, §3).</summary>
    public static double StalenessWeight(long staleness) => 1.0 / Math.Sqrt(1 + staleness);
}
