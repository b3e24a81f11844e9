using Flute.Core.Data;

namespace Flute.Core.Tests.Data;

/// <summary>Overlapping windows over one byte sequence (<see cref="Dataset.Windows"/>).</summary>
public sealed class DatasetWindowsTests
{
    // Windows of 3 every 2 values over 10 11 12 13 14 15 16: [10 11 12], [12 13 14], [14 15 16].
    private static Dataset Sample() => Dataset.Windows("w", new byte[] { 10, 11, 12, 13, 14, 15, 16 }, [7, 8, 9], 3, 2, 20);

    [Fact]
    public void SampleIStartsAtIStrides()
    {
        Dataset windows = Sample();

        Assert.Equal(3, windows.Count);
        Assert.Equal(3, windows.FeatureCount);
        Assert.Equal(2, windows.SampleStride);
        Assert.Equal([3], windows.SampleShape);
        var rows = new float[9];
        windows.CopySamples(0, 3, rows);
        Assert.Equal(new float[] { 10, 11, 12, 12, 13, 14, 14, 15, 16 }, rows);
    }

    [Fact]
    public void CopyingChosenWindowsFollowsTheIndices()
    {
        var rows = new float[6];

        Sample().CopySamples([2, 0], rows);

        Assert.Equal(new float[] { 14, 15, 16, 10, 11, 12 }, rows);
    }

    [Fact]
    public void SelectingWindowsStoresThemRowByRow()
    {
        Dataset selected = Sample().Select("s", [1, 2]);

        Assert.Equal(3, selected.SampleStride);
        Assert.Equal(new byte[] { 12, 13, 14, 14, 15, 16 }, selected.RawBytes.ToArray());
        Assert.Equal([8, 9], selected.Labels);
    }

    [Fact]
    public void ASequenceTooShortForTheWindowsIsRejected()
    {
        // Three windows of 3 every 2 need 2·2 + 3 = 7 values.
        var e = Assert.Throws<ArgumentException>(() => Dataset.Windows("w", new byte[6], [0, 0, 0], 3, 2, 20));

        Assert.Contains("6 values do not make 3 windows of 3 every 2", e.Message);
    }

    [Fact]
    public void RowByRowStorageHasAStrideOfOneSample()
    {
        var data = new Dataset("d", new byte[6], [0, 1], [3], 2);

        Assert.Equal(3, data.SampleStride);
    }
}
