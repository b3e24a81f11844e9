using Flute.Grains.Hosting;

namespace Flute.Grains.Tests.Torch;

public sealed class TrainerDeviceTests
{
    [Theory]
    [InlineData("cpu", false, 0)]
    [InlineData("cuda:0", true, 0)]
    [InlineData("cuda:3", true, 3)]
    public void Parses_cpu_and_cuda_n(string value, bool cuda, int index)
    {
        TrainerDevice device = TrainerDevice.Parse(value);

        Assert.Equal(cuda, device.IsCuda);
        Assert.Equal(index, device.Index);
        Assert.Equal(value, device.ToString());
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("CPU")]
    [InlineData("")]
    public void Rejects_anything_else_in_one_line_naming_the_value(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => TrainerDevice.Parse(value));

        Assert.Equal($"--device: expected cpu or cuda:N (N = 0, 1, ...), found '{value}'", error.Message);
        Assert.Throws<ArgumentException>(() => new FluteSiloOptions { Device = value }.Validate());
    }

    [Fact]
    public void Cpu_is_usable_and_cuda_is_refused_clearly_on_a_cpu_only_libtorch()
    {
        TrainerDevice.Cpu.EnsureUsable();

        var error = Assert.Throws<ArgumentException>(() => TrainerDevice.Parse("cuda:0").EnsureUsable());

        // This machine's libtorch is the CPU package: the message says so instead of failing later in a trainer.
        Assert.Equal("--device cuda:0: this libtorch build has no CUDA (the CPU package is installed); use --device cpu", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
