namespace Flute.Core.Codecs;

/// <summary>
/// The header of a pseudo-gradient payload: who produced the update, for which round and model version,
/// how much data it summarises, and which <see cref="IUpdateCodec"/> encoded its data.
/// </summary>
/// <param name="Experiment">Experiment id.</param>
/// <param name="Round">Round the update belongs to.</param>
/// <param name="ModelVersion">Global model version the client trained from.</param>
/// <param name="Client">Client id.</param>
/// <param name="SampleCount">Samples the client trained on.</param>
/// <param name="Loss">The client's training loss.</param>
/// <param name="Codec">Full codec name, parameters included (see <see cref="CodecRegistry"/>).</param>
public readonly record struct PayloadHeader(
    string Experiment,
    long Round,
    long ModelVersion,
    long Client,
    int SampleCount,
    double Loss,
    string Codec);
