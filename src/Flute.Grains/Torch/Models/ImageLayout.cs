using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// Memory order of image batches. TorchSharp 0.107 has no <c>memory_format</c> argument, so
/// channels-last order is made by hand: the same [N, C, H, W] tensor whose elements lie in
/// N, H, W, C order (strides [H·W·C, 1, W·C, C]). libtorch then hands oneDNN channels-last
/// (NHWC) tensors, and the convolution's output keeps that order for the layers after it.
/// </summary>
internal static class ImageLayout
{
    /// <summary>The batch <paramref name="image"/> ([N, C, H, W], NCHW order) in channels-last order.</summary>
    public static Tensor ChannelsLast(Tensor image)
    {
        if (image.dim() != 4) throw new ArgumentException($"an image batch is [N, C, H, W]; got {image.dim()} dimensions", nameof(image));
        long channels = image.shape[1], height = image.shape[2], width = image.shape[3];
        // With one channel both orders hold the same bytes; only the strides tell libtorch which is
        // meant, and it reads [H·W, H·W, W, 1] as NCHW, so the channel stride is set to 1 explicitly.
        if (channels == 1) return image.contiguous().as_strided(image.shape, [height * width, 1, width, 1]);
        return image.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }
}
