using System.Globalization;
using TorchSharp;

namespace Flute.Grains.Hosting;

/// <summary>
/// A silo's trainer device: <c>cpu</c> or <c>cuda:N</c>. The syntax is checked first (a typo is a
/// one-line error), then whether this process can use the device. CUDA builds of libtorch are not
/// available where Flute is developed, so GPU training is written nowhere yet: a <c>cuda:N</c> device
/// is validated and then refused with a clear message, and only <c>cpu</c> runs (docs/cli.md, "GPUs").
/// </summary>
public readonly record struct TrainerDevice(bool IsCuda, int Index)
{
    public static TrainerDevice Cpu => new(false, 0);

    public override string ToString() => IsCuda ? $"cuda:{Index}" : "cpu";

    /// <summary>Parses <c>cpu</c> or <c>cuda:N</c> (N ≥ 0).</summary>
    /// <exception cref="ArgumentException">Anything else; the message names the value and the accepted forms.</exception>
    public static TrainerDevice Parse(string? value)
    {
        if (value == "cpu") return Cpu;
        if (value is not null && value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return new TrainerDevice(true, index);
        throw new ArgumentException($"--device: expected cpu or cuda:N (N = 0, 1, ...), found '{value}'");
    }

    /// <summary>Throws a one-line error if this process cannot train on the device.</summary>
    public void EnsureUsable()
    {
        if (!IsCuda) return;
        if (!torch.cuda.is_available())
            throw new ArgumentException($"--device {this}: this libtorch build has no CUDA (the CPU package is installed); use --device cpu");
        int count = torch.cuda.device_count();
        if (Index >= count)
            throw new ArgumentException($"--device {this}: there are {count} CUDA device(s) (cuda:0 to cuda:{count - 1})");
        throw new ArgumentException($"--device {this}: GPU training is not implemented yet; use --device cpu");
    }
}
