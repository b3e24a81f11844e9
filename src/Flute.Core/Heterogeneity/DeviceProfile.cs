namespace Flute.Core.Heterogeneity;

/// <summary>
/// A simulated client device: how fast it trains and how fast its link is. Time is virtual
/// (docs/heterogeneity.md): a completion time is computed from these numbers, never slept.
/// </summary>
/// <param name="SamplesPerSecond">Local training speed: samples processed (forward and backward) per virtual second.</param>
/// <param name="BytesPerSecond">Link bandwidth, the same for the model download and the update upload.</param>
public readonly record struct DeviceProfile(double SamplesPerSecond, double BytesPerSecond)
{
    /// <summary>
    /// Virtual seconds from the round's start until the server holds this client's update:
    /// download <paramref name="modelBytes"/>, process <paramref name="samplesProcessed"/> samples,
    /// upload <paramref name="updateBytes"/>.
    /// </summary>
    public double CompletionSeconds(long modelBytes, long samplesProcessed, long updateBytes) =>
        modelBytes / BytesPerSecond + samplesProcessed / SamplesPerSecond + updateBytes / BytesPerSecond;
}
