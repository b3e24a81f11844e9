namespace Flute.Grains.Torch;

/// <summary>
/// Which model to build: a name registered in <see cref="ModelRegistry"/>, the shape of one input sample
/// (e.g. [1, 28, 28]), the number of classes, and the hidden width of models that have one (mlp).
/// Equality compares <see cref="InputShape"/> element by element, so a spec can key a dictionary of replicas.
/// </summary>
public sealed record ModelSpec(string Name, int[] InputShape, int ClassCount, int Hidden = 200)
{
    /// <summary>Number of feature values in one sample: the product of <see cref="InputShape"/>.</summary>
    public int FeatureCount
    {
        get
        {
            int count = 1;
            foreach (int d in InputShape) count *= d;
            return count;
        }
    }

    public bool Equals(ModelSpec? other) =>
        other is not null
        && Name == other.Name
        && ClassCount == other.ClassCount
        && Hidden == other.Hidden
        && InputShape.AsSpan().SequenceEqual(other.InputShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(ClassCount);
        hash.Add(Hidden);
        foreach (int d in InputShape) hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Name}[{string.Join('x', InputShape)}→{ClassCount}, hidden {Hidden}]";
}
