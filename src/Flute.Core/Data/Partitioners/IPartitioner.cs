using Flute.Core.Configuration;

namespace Flute.Core.Data.Partitioners;

/// <summary>
/// Splits a data set's samples among <c>data.num_clients</c> clients. Deterministic in the seed:
/// all draws come from <c>DeterministicRandom.For(seed, StreamPurpose.Partition, ...)</c>.
/// Implementations are registered in <see cref="PartitionerRegistry"/>.
/// </summary>
public interface IPartitioner
{
    /// <summary>The name used in data.partition.</summary>
    string Name { get; }

    /// <summary>
    /// True when the partitioner splits the train and test sets pooled together and draws the
    /// test set from the pool (<see cref="PartitionResult.TestIndices"/>); the pool is then given raw
    /// and standardized per feature. False: it splits the training set and the data set's own test
    /// set is used.
    /// </summary>
    bool PoolsTestSet { get; }

    /// <summary>Splits the samples with the given labels (0..classCount−1) among the clients.</summary>
    PartitionResult Split(ReadOnlySpan<int> labels, int classCount, DataSection options, ulong seed);
}

/// <summary>
/// Each client's training indices (ascending; an array may be empty) and, for partitioners that
/// pool the test set, the indices of the test samples (ascending), else null.
/// </summary>
public sealed record PartitionResult(int[][] ClientTrain, int[]? TestIndices);
