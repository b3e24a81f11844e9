namespace Flute.Interfaces;

/// <summary>
/// One client's work for one round. Carries the model <see cref="ModelVersion"/>, never the weights:
/// the client fetches those from its silo's model cache.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.TrainRequest")]
public sealed record TrainRequest(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] int Round,
    [property: Id(2)] long ModelVersion,
    [property: Id(3)] ulong Seed);

/// <summary>
/// A client's answer: sample count, mean training loss, and the pseudo-gradient (global − local)
/// as a MessagePack payload (Flute.Core.Codecs.PseudoGradientPayload). <see cref="Payload"/> is
/// null for a client with no samples.
/// </summary>
[GenerateSerializer, Immutable, Alias("Flute.TrainResult")]
public sealed record TrainResult(
    [property: Id(0)] long ClientId,
    [property: Id(1)] int SampleCount,
    [property: Id(2)] double Loss,
    [property: Id(3)] byte[]? Payload);
