using Flute.Grains.Torch.Optimizers;

namespace Flute.Grains.Torch;

/// <summary>
/// Local-training hyper-parameters of one client job. <see cref="Lr"/> is this round's client rate (the
/// schedule already applied). <see cref="MaxSamples"/> &gt; 0 caps the samples a client uses (the first
/// ones of its first shuffle, for every epoch); 0 uses all. <see cref="Optimizer"/> null means plain SGD.
/// <see cref="MaxGradNorm"/> &gt; 0 clips each step's total gradient norm; 0 is off.
/// </summary>
public sealed record TrainSettings(double Lr, int BatchSize, int LocalEpochs, int MaxSamples,
                                   ClientOptimizerSettings? Optimizer = null, double MaxGradNorm = 0);

/// <summary>
/// One client's local training: start from <see cref="GlobalWeights"/>, run the client optimizer over the samples
/// <see cref="Indices"/> of <see cref="Data"/> in an order drawn from <see cref="DataOrderKey"/>, and write
/// <c>global − local</c> as float32 little-endian bytes into <see cref="PseudoGradient"/> (4 × parameter count bytes).
/// </summary>
public sealed record TrainJob(ModelSpec Model, ReadOnlyMemory<byte> GlobalWeights, Flute.Core.Data.Dataset Data, int[] Indices,
                              TrainSettings Settings, ulong DataOrderKey, Memory<byte> PseudoGradient)
{
    /// <summary>The strategy's instructions for this client (a client hook, e.g. FedProx's proximal term); null = plain training.</summary>
    public Flute.Core.Strategies.ClientInstructions? Instructions { get; init; }

    /// <summary>
    /// SCAFFOLD's gradient correction c − c_i, one float per parameter in the layout's order, added to
    /// every step's gradient when <see cref="Instructions"/> ask for control variates.
    /// </summary>
    public ReadOnlyMemory<float> GradientCorrection { get; init; }
}

/// <summary>
/// What a training job reports: the number of distinct samples used, the mean per-sample training loss
/// over all steps, and the number of optimizer steps.
/// </summary>
public readonly record struct TrainOutcome(int SampleCount, double MeanLoss, int Steps);
