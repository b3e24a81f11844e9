using Flute.Grains.Torch;
using Flute.Grains.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>
/// Channels-last image batches (portable compute mode's layout for the CNNs): the same values in
/// N, H, W, C memory order, and a CNN that computes what the NCHW one computes.
/// </summary>
public sealed class ImageLayoutTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ChannelsLast_keeps_shape_and_values_and_puts_the_channel_innermost(int channels)
    {
        // Arrange: values 0, 1, 2, … in NCHW order.
        long[] shape = [2, channels, 4, 5];
        using var image = tensor(Enumerable.Range(0, 2 * channels * 4 * 5).Select(i => (float)i).ToArray(), shape);

        // Act
        using var last = ImageLayout.ChannelsLast(image);

        // Assert: strides of N, H, W, C order; the element at [n, c, h, w] unchanged.
        Assert.Equal(shape, last.shape);
        Assert.Equal([4L * 5 * channels, 1, 5L * channels, channels], last.stride());
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < channels; c++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 5; w++)
                        Assert.Equal(((n * channels + c) * 4 + h) * 5 + w, last[n, c, h, w].item<float>());
    }

    [Fact]
    public void A_cnn_on_channels_last_images_computes_the_nchw_cnns_logits_and_gradients()
    {
        // Arrange: two cnn-small with the same weights, one per layout, on the same batch.
        var spec = new ModelSpec("cnn-small", [1, 28, 28], 10);
        using var nchw = new TwoLayerCnn("cnn-small", spec, 8, 16, 120, channelsLast: false);
        using var nhwc = new TwoLayerCnn("cnn-small", spec, 8, 16, 120, channelsLast: true);
        using (no_grad())
        {
            foreach (var (a, b) in nchw.parameters().Zip(nhwc.parameters())) b.copy_(a);
        }
        using var generator = new Generator(7);
        using var input = rand([4, 784], generator: generator);
        using var labels = tensor(new long[] { 3, 1, 4, 1 });

        // Act
        using var logitsA = nchw.forward(input);
        using var logitsB = nhwc.forward(input);
        nn.functional.cross_entropy(logitsA, labels).backward();
        nn.functional.cross_entropy(logitsB, labels).backward();

        // Assert: another kernel order, so equal to float32 rounding, not bit for bit.
        AssertClose(logitsA, logitsB, 1e-5f);
        foreach (var (a, b) in nchw.parameters().Zip(nhwc.parameters())) AssertClose(a.grad!, b.grad!, 1e-5f);
    }

    private static void AssertClose(Tensor expected, Tensor actual, float tolerance)
    {
        float[] e = expected.contiguous().data<float>().ToArray(), a = actual.contiguous().data<float>().ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * (1 + Math.Abs(e[i])), $"element {i}: {e[i]} vs {a[i]}");
    }
}
