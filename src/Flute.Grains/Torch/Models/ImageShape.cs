namespace Flute.Grains.Torch.Models;

/// <summary>
/// Channels × height × width of an image input, read from a <see cref="ModelSpec.InputShape"/>:
/// [C, H, W], [H, W] (one channel), or [N] with N a perfect square (one square channel, as LEAF's
/// FEMNIST stores its 28 × 28 images flat).
/// </summary>
internal readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public static ImageShape From(ModelSpec spec)
    {
        int[] s = spec.InputShape;
        var shape = s.Length switch
        {
            3 => new ImageShape(s[0], s[1], s[2]),
            2 => new ImageShape(1, s[0], s[1]),
            1 when IsSquare(s[0], out int side) => new ImageShape(1, side, side),
            _ => throw new ArgumentException($"model '{spec.Name}' needs an image input [C, H, W], [H, W] or a flat square; got [{string.Join(", ", s)}]"),
        };
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"model '{spec.Name}': input dimensions must be positive; got [{string.Join(", ", s)}]");
        return shape;
    }

    private static bool IsSquare(int n, out int side)
    {
        side = (int)Math.Round(Math.Sqrt(n));
        return n > 0 && side * side == n;
    }
}
