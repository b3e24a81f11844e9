using Flute.Core.Persistence;
using Orleans.Storage;

namespace Flute.Grains.Storage;

/// <summary>
/// The grain-state serializer of the Azure backend: Orleans' binary serializer inside the same
/// checksummed envelope as every checkpoint blob, so a truncated or corrupted state blob is reported
/// (with its name) instead of being deserialized into garbage. The local backend needs no wrapper:
/// its store seals every file itself.
/// </summary>
public sealed class FluteGrainStateSerializer(IGrainStorageSerializer inner, string description, CrashPoints? crashPoints = null) : IGrainStorageSerializer
{
    private readonly CrashPoints _crashPoints = crashPoints ?? CrashPoints.None;

    public BinaryData Serialize<T>(T? input)
    {
        BinaryData content = inner.Serialize(input);
        byte[] sealedBytes = CheckpointEnvelope.Seal(content.ToMemory().Span);
        // Inside the commit: the new state exists only in this process. (Local: see LocalGrainStorage.)
        if (input is ExperimentState { CommittingRound: int round }) _crashPoints.Check(round, "commit");
        return new BinaryData(sealedBytes);
    }

    public T? Deserialize<T>(BinaryData input)
    {
        ReadOnlyMemory<byte> content = CheckpointEnvelope.Unseal(input.ToMemory(), description);
        return inner.Deserialize<T>(new BinaryData(content));
    }
}
