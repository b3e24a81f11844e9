namespace Flute.Grains.Torch;

/// <summary>
/// Local-training hyper-parameters of one client job. <see cref="MaxSamples"/> &gt; 0 caps the samples a
/// client uses (the first ones of its first shuffle, for every epoch); 0 uses all.
/// </summary>
public sealed record TrainSettings(double Lr, int BatchSize, int LocalEpochs, int MaxSamples);

/// <summary>
/// One client's local training: start from <see cref="GlobalWeights"/>, run plain SGD over the samples
/// <see cref="Indices"/> of <see cref="Data"/> in an order drawn from <see cref="DataOrderKey"/>, and write
/// <c>global − local</c> as float32 little-endian bytes into <see cref="PseudoGradient"/> (4 × parameter count bytes).
/// </summary>
public sealed record TrainJob(ModelSpec Model, ReadOnlyMemory<byte> GlobalWeights, Flute.Core.Data.Dataset Data, int[] Indices,
                              TrainSettings Settings, ulong DataOrderKey, Memory<byte> PseudoGradient)
{
    /// <summary>The strategy's instructions for this client (a client hook, e.g. FedProx's proximal term); null = plain training.</summary>
    public Flute.Core.Strategies.ClientInstructions? Instructions { get; init; }
}

/// <summary>
/// What a training job reports: the number of distinct samples used, the mean per-sample training loss
/// over all steps, and the number of SGD steps.
/// </summary>
public readonly record struct TrainOutcome(int SampleCount, double MeanLoss, int Steps);
