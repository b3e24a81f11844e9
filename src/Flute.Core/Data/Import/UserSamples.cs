namespace Flute.Core.Data.Import;

/// <summary>
/// One user's samples while they are read, reused from user to user so an import's memory is the
/// largest user's data, not the file's: labels and row-major float features.
/// </summary>
public sealed class UserSamples
{
    private float[] _features = new float[1 << 16];
    private int[] _labels = new int[1 << 10];

    /// <summary>Feature values read so far (rows × features).</summary>
    public int FeatureValues;

    /// <summary>Labels read so far.</summary>
    public int LabelCount { get; private set; }

    /// <summary>Rows of features read so far.</summary>
    public int Rows { get; set; }

    /// <summary>
    /// Whether the samples are text: windows of characters stored as their
    /// <see cref="Text.CharacterVocabulary"/> indices, with one character's index as the label.
    /// </summary>
    public bool IsText { get; set; }

    /// <summary>The feature buffer, for readers that append to it directly (<see cref="JsonTokenStream.ReadNumbers"/>).</summary>
    public ref float[] FeatureBuffer => ref _features;

    public ReadOnlySpan<float> Features => _features.AsSpan(0, FeatureValues);

    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, LabelCount);

    public void AddLabel(int label)
    {
        if (LabelCount == _labels.Length) Array.Resize(ref _labels, _labels.Length * 2);
        _labels[LabelCount++] = label;
    }

    public void AddFeature(float value)
    {
        if (FeatureValues == _features.Length) Array.Resize(ref _features, _features.Length * 2);
        _features[FeatureValues++] = value;
    }

    /// <summary>Empties the buffers (keeping their capacity) for the next user.</summary>
    public void Clear()
    {
        FeatureValues = 0;
        LabelCount = 0;
        Rows = 0;
        IsText = false;
    }
}
