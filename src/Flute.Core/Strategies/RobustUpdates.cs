namespace Flute.Core.Strategies;

/// <summary>The buffered strategies hand the math classes (Flute.Core.Aggregation.Robust) just the update vectors.</summary>
internal static class RobustUpdates
{
    public static ReadOnlyMemory<float>[] Vectors(IReadOnlyList<ClientUpdate> updatesByClientId)
    {
        ArgumentNullException.ThrowIfNull(updatesByClientId);
        var vectors = new ReadOnlyMemory<float>[updatesByClientId.Count];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = updatesByClientId[i].Update;
        return vectors;
    }
}
