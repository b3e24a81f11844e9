using Flute.Core.Configuration;

namespace Flute.Core.Data.Partitioners;

/// <summary>Checks and helpers shared by the partitioners, so every one rejects bad input the same way.</summary>
internal static class PartitionGuards
{
    public static void CheckClients(DataSection options, string partition)
    {
        if (options.NumClients <= 0)
            throw new ArgumentException($"data.num_clients must be positive for partition '{partition}', got {options.NumClients}");
    }

    /// <summary>Sample indices grouped by label, ascending within each label; throws on a label outside 0..classCount−1.</summary>
    public static int[][] IndicesByClass(ReadOnlySpan<int> labels, int classCount)
    {
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "class count must be positive");
        var counts = new int[classCount];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"label {label} at index {i} is outside 0..{classCount - 1}");
            counts[label]++;
        }
        var byClass = new int[classCount][];
        for (int c = 0; c < classCount; c++) byClass[c] = new int[counts[c]];
        Array.Clear(counts);
        for (int i = 0; i < labels.Length; i++) byClass[labels[i]][counts[labels[i]]++] = i;
        return byClass;
    }

    public static int[][] ToSortedArrays(List<int>[] lists)
    {
        var result = new int[lists.Length][];
        for (int k = 0; k < lists.Length; k++)
        {
            result[k] = lists[k].ToArray();
            Array.Sort(result[k]);
        }
        return result;
    }
}
