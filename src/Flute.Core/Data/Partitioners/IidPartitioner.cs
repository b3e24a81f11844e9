using Flute.Core.Configuration;
using Flute.Core.Randomness;

namespace Flute.Core.Data.Partitioners;

/// <summary>IID: shuffle all samples and deal them out evenly; client sizes differ by at most one.</summary>
public sealed class IidPartitioner : IPartitioner
{
    public string Name => "iid";

    public bool PoolsTestSet => false;

    public PartitionResult Split(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed)
    {
        PartitionGuards.CheckClients(options, Name);
        int clients = options.NumClients;
        int[] order = Enumerable.Range(0, labels.Length).ToArray();
        DeterministicRandom.For(seed, StreamPurpose.Partition, round: 0).Shuffle(order.AsSpan());

        int baseSize = labels.Length / clients, larger = labels.Length % clients;
        var result = new int[clients][];
        int start = 0;
        for (int c = 0; c < clients; c++)
        {
            int size = baseSize + (c < larger ? 1 : 0);
            result[c] = order.AsSpan(start, size).ToArray();
            Array.Sort(result[c]);
            start += size;
        }
        return new PartitionResult(result, null);
    }
}
