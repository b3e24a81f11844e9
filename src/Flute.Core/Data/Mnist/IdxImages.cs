namespace Flute.Core.Data.Mnist;

/// <summary>
/// Images read from an idx3 unsigned-byte file: <see cref="Count"/> images of
/// <see cref="Rows"/> × <see cref="Columns"/> pixels, row-major, one byte per pixel. <see cref="Pixels"/>
/// is a view into the file's bytes (no copy).
/// </summary>
public sealed record IdxImages(int Count, int Rows, int Columns, ReadOnlyMemory<byte> Pixels)
{
    public int PixelsPerImage => Rows * Columns;
}
