namespace Flute.Core.Aggregation.Robust;

/// <summary>Argument checks shared by the buffered aggregators.</summary>
internal static class BufferedUpdates
{
    /// <summary>Coordinates per block when the aggregators work column by column (a block of 100 updates fits in L2).</summary>
    public const int BlockLength = 256;

    public static void Validate(IReadOnlyList<ReadOnlyMemory<float>> updates, int destinationLength, string method)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            throw new ArgumentException($"{method} needs at least one update; the round has none.", nameof(updates));
        }
        for (int i = 0; i < updates.Count; i++)
        {
            ReadOnlySpan<float> update = updates[i].Span;
            if (update.Length != destinationLength)
            {
                throw new ArgumentException(
                    $"{method}: update {i} has {update.Length} values; the destination has {destinationLength}.", nameof(updates));
            }
            // NaN compares below every number, so it falls outside the finite range as infinities do.
            if (update.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue) >= 0)
            {
                throw new ArgumentException($"{method}: update {i} holds a NaN or infinite value.", nameof(updates));
            }
        }
    }

    /// <summary>
    /// Copies coordinates [start, start + length) of every update into <paramref name="columns"/>, one run
    /// of <c>updates.Count</c> values per coordinate, so each coordinate can be sorted in place.
    /// </summary>
    public static void Transpose(IReadOnlyList<ReadOnlyMemory<float>> updates, int start, int length, Span<float> columns)
    {
        int n = updates.Count;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> block = updates[i].Span.Slice(start, length);
            for (int b = 0; b < block.Length; b++)
            {
                columns[b * n + i] = block[b];
            }
        }
    }

    /// <summary>
    /// Writes, for every coordinate, <paramref name="reduce"/> of that coordinate's values across the
    /// updates sorted ascending (the order statistics median and trimmed mean are made of). Columns are
    /// gathered a block at a time, so the updates are read cache-friendly.
    /// </summary>
    public static void ReduceSortedColumns(IReadOnlyList<ReadOnlyMemory<float>> updates, Span<float> destination, Func<ReadOnlySpan<float>, float> reduce)
    {
        int n = updates.Count;
        var columns = new float[BlockLength * n];
        for (int start = 0; start < destination.Length; start += BlockLength)
        {
            int length = Math.Min(BlockLength, destination.Length - start);
            Transpose(updates, start, length, columns);
            for (int b = 0; b < length; b++)
            {
                Span<float> column = columns.AsSpan(b * n, n);
                column.Sort();
                destination[start + b] = reduce(column);
            }
        }
    }
}
