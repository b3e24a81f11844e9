namespace Flute.Core.Heterogeneity;

/// <summary>
/// What one client does in a round, as far as the virtual clock is concerned: every value is known
/// to the server before training (the sample count from the data set, the byte counts from the model's
/// layout and the strategy's update length), so the clock decides who is late without training anyone.
/// </summary>
/// <param name="ModelBytes">Bytes of the model version the client downloads.</param>
/// <param name="SamplesProcessed">Samples it processes: min(its samples, client.max_samples) × client.local_epochs.</param>
/// <param name="UpdateBytes">Bytes of the update it uploads (the strategy's update length × 4).</param>
public readonly record struct ClientWork(long ModelBytes, long SamplesProcessed, long UpdateBytes)
{
    /// <summary>Samples a client with <paramref name="samples"/> samples processes in a round.</summary>
    public static long Processed(int samples, int maxSamples, int localEpochs) =>
        (long)(maxSamples > 0 ? Math.Min(samples, maxSamples) : samples) * localEpochs;
}
