namespace Flute.Core.Data;

/// <summary>
/// Samples held in memory: raw features row-major (<see cref="Count"/> × <see cref="FeatureCount"/>),
/// one integer label each. <see cref="SampleShape"/> is the shape of one sample (e.g. [1, 28, 28]).
/// Raw features are stored compactly — one byte each (image pixels) or one float each — and turned
/// into float32 only when a batch is built (<see cref="CopySamples(ReadOnlySpan{int}, Span{float})"/>),
/// as <c>raw · Scale[j] + Shift[j]</c> per feature j: an unfused multiply then add, so the floats
/// are the same bits on every call and do not depend on whether the CPU has FMA or on the vector
/// width (<see cref="FeatureMath"/>). Immutable, so trainer threads may copy from one instance
/// concurrently. Byte rows normally follow each other; a <em>windowed</em> data set
/// (<see cref="Windows"/>) starts row i at byte i · <see cref="SampleStride"/> instead, so overlapping
/// windows of a text share one copy of it.
/// </summary>
public sealed class Dataset
{
    private readonly ReadOnlyMemory<byte> bytes;
    private readonly ReadOnlyMemory<float> floats;

    // Values between the starts of consecutive rows: FeatureCount, or less for overlapping windows.
    private readonly int sampleStride;

    // Both null (identity) or both set: a missing half of the transform is 1 or 0.
    private readonly float[]? transformScale;
    private readonly float[]? transformShift;

    /// <summary>Float storage (synthetic features, tests); <paramref name="features"/> is kept, not copied.</summary>
    public Dataset(string name, float[] features, int[] labels, int[] sampleShape, int classCount, float[]? scale = null, float[]? shift = null)
        : this(name, DatasetStorage.Float, default, features, labels, sampleShape, classCount, scale, shift, 0)
    {
    }

    /// <summary>Byte storage (image pixels); <paramref name="features"/> is kept, not copied.</summary>
    public Dataset(string name, ReadOnlyMemory<byte> features, int[] labels, int[] sampleShape, int classCount, float[]? scale = null, float[]? shift = null)
        : this(name, DatasetStorage.Byte, features, default, labels, sampleShape, classCount, scale, shift, 0)
    {
    }

    /// <summary>
    /// Overlapping windows of a byte sequence (e.g. a text's character indices): sample i is
    /// <c>sequence[i · stride .. i · stride + windowLength)</c> with label <c>labels[i]</c>, shape
    /// [<paramref name="windowLength"/>], no transform. <paramref name="sequence"/> is kept, not copied,
    /// so n windows cost the sequence plus n labels rather than n · windowLength bytes.
    /// </summary>
    public static Dataset Windows(string name, ReadOnlyMemory<byte> sequence, int[] labels, int windowLength, int stride, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        return new Dataset(name, DatasetStorage.Byte, sequence, default, labels, [windowLength], classCount, null, null, stride);
    }

    private Dataset(
        string name, DatasetStorage storage, ReadOnlyMemory<byte> bytes, ReadOnlyMemory<float> floats,
        int[] labels, int[] sampleShape, int classCount, float[]? scale, float[]? shift, int stride)
    {
        long valueCount = storage == DatasetStorage.Byte ? bytes.Length : floats.Length;
        int featureCount = 1;
        foreach (int d in sampleShape) featureCount *= d;
        if (stride == 0 && valueCount != (long)labels.Length * featureCount)
            throw new ArgumentException($"{name}: {valueCount} feature values do not make {labels.Length} samples of {featureCount}");
        if (stride > 0 && labels.Length > 0 && valueCount < (long)(labels.Length - 1) * stride + featureCount)
            throw new ArgumentException($"{name}: {valueCount} values do not make {labels.Length} windows of {featureCount} every {stride}");
        if (scale is not null && scale.Length != featureCount)
            throw new ArgumentException($"{name}: {scale.Length} scale factors for {featureCount} features", nameof(scale));
        if (shift is not null && shift.Length != featureCount)
            throw new ArgumentException($"{name}: {shift.Length} shifts for {featureCount} features", nameof(shift));
        Name = name;
        Storage = storage;
        this.bytes = bytes;
        this.floats = floats;
        sampleStride = stride > 0 ? stride : featureCount;
        Labels = labels;
        SampleShape = sampleShape;
        FeatureCount = featureCount;
        ClassCount = classCount;
        Scale = scale;
        Shift = shift;
        if (scale is not null || shift is not null)
        {
            transformScale = scale ?? Enumerable.Repeat(1f, featureCount).ToArray();
            transformShift = shift ?? new float[featureCount];
        }
    }

    public string Name { get; }
    public DatasetStorage Storage { get; }
    public int[] Labels { get; }
    public int[] SampleShape { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int Count => Labels.Length;

    /// <summary>Stored values between the starts of consecutive samples: <see cref="FeatureCount"/>, or less when windows overlap (<see cref="Windows"/>).</summary>
    public int SampleStride => sampleStride;

    /// <summary>Per-feature factor of the transform; null means 1. Shared, never modify it.</summary>
    public float[]? Scale { get; }

    /// <summary>Per-feature offset of the transform; null means 0. Shared, never modify it.</summary>
    public float[]? Shift { get; }

    /// <summary>The stored values when <see cref="Storage"/> is <see cref="DatasetStorage.Byte"/> (empty otherwise); sample i starts at i · <see cref="SampleStride"/>.</summary>
    public ReadOnlyMemory<byte> RawBytes => bytes;

    /// <summary>The stored values when <see cref="Storage"/> is <see cref="DatasetStorage.Float"/> (empty otherwise).</summary>
    public ReadOnlyMemory<float> RawFloats => floats;

    /// <summary>Writes sample <paramref name="index"/> as floats into <paramref name="destination"/> (at least <see cref="FeatureCount"/> long).</summary>
    public void CopySample(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(1, destination);
        Materialize(index, 1, destination[..FeatureCount]);
    }

    /// <summary>
    /// Writes the samples <paramref name="indices"/>, in order, as consecutive rows of
    /// <paramref name="destination"/>. Allocates nothing, so trainer threads can call it per batch.
    /// </summary>
    public void CopySamples(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int f = FeatureCount;
        CheckDestination(indices.Length, destination);
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            Materialize(indices[i], 1, destination.Slice(i * f, f));
        }
    }

    /// <summary>Writes the contiguous samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as rows of <paramref name="destination"/>.</summary>
    public void CopySamples(int start, int count, Span<float> destination)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {(long)start + count}) is outside data set '{Name}' of {Count} samples");
        CheckDestination(count, destination);
        Materialize(start, count, destination[..(count * FeatureCount)]);
    }

    /// <summary>A new data set holding copies of the given samples' raw values, in the given order, with the same transform.</summary>
    public Dataset Select(string name, ReadOnlySpan<int> indices)
    {
        int f = FeatureCount;
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            labels[i] = Labels[indices[i]];
        }
        if (Storage == DatasetStorage.Byte)
        {
            var selected = new byte[(long)indices.Length * f];
            ReadOnlySpan<byte> source = bytes.Span;
            for (int i = 0; i < indices.Length; i++)
                source.Slice(indices[i] * sampleStride, f).CopyTo(selected.AsSpan(i * f, f));
            return new Dataset(name, selected, labels, SampleShape, ClassCount, Scale, Shift);
        }
        var features = new float[(long)indices.Length * f];
        ReadOnlySpan<float> values = floats.Span;
        for (int i = 0; i < indices.Length; i++)
            values.Slice(indices[i] * f, f).CopyTo(features.AsSpan(i * f, f));
        return new Dataset(name, features, labels, SampleShape, ClassCount, Scale, Shift);
    }

    /// <summary>The same raw values and labels (shared, not copied) under another transform.</summary>
    public Dataset WithTransform(string name, float[]? scale, float[]? shift) =>
        new(name, Storage, bytes, floats, Labels, SampleShape, ClassCount, scale, shift, sampleStride == FeatureCount ? 0 : sampleStride);

    /// <summary>Converts <paramref name="count"/> rows from <paramref name="start"/> into <paramref name="destination"/> (exactly that many rows).</summary>
    private void Materialize(int start, int count, Span<float> destination)
    {
        int f = FeatureCount;
        if (Storage == DatasetStorage.Byte && sampleStride != f)
        {
            for (int r = 0; r < count; r++)
                MaterializeBytes(bytes.Span.Slice((start + r) * sampleStride, f), destination.Slice(r * f, f), 1);
            return;
        }
        if (Storage == DatasetStorage.Byte)
        {
            MaterializeBytes(bytes.Span.Slice(start * f, count * f), destination, count);
            return;
        }
        floats.Span.Slice(start * f, count * f).CopyTo(destination);
        if (transformScale is null) return;
        for (int r = 0; r < count; r++)
            FeatureMath.Affine(destination.Slice(r * f, f), transformScale, transformShift!);
    }

    /// <summary>Widens <paramref name="count"/> consecutive byte rows, applying the transform if there is one.</summary>
    private void MaterializeBytes(ReadOnlySpan<byte> source, Span<float> destination, int count)
    {
        int f = FeatureCount;
        if (transformScale is null)
        {
            FeatureMath.Widen(source, destination);
            return;
        }
        for (int r = 0; r < count; r++)
            FeatureMath.WidenAffine(source.Slice(r * f, f), transformScale, transformShift!, destination.Slice(r * f, f));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"sample index {index} is outside data set '{Name}' of {Count} samples");
    }

    private void CheckDestination(int samples, Span<float> destination)
    {
        if (destination.Length < (long)samples * FeatureCount)
            throw new ArgumentException($"destination holds {destination.Length} floats; {samples} samples of '{Name}' need {(long)samples * FeatureCount}", nameof(destination));
    }
}
