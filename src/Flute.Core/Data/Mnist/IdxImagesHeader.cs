namespace Flute.Core.Data.Mnist;

/// <summary>
/// The header of an idx3 unsigned-byte file: <see cref="Count"/> images of <see cref="Rows"/> ×
/// <see cref="Columns"/> pixels, whose bytes start at <see cref="PixelOffset"/>.
/// </summary>
public sealed record IdxImagesHeader(int Count, int Rows, int Columns)
{
    /// <summary>Bytes before the pixels: the magic number and three sizes, 4 bytes each.</summary>
    public const int PixelOffset = 16;

    public int PixelsPerImage => Rows * Columns;

    public long PixelCount => (long)Count * Rows * Columns;
}
