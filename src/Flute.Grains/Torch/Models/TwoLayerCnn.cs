using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// Two 5×5 convolutions with ReLU and 2×2 max-pooling, then one hidden dense layer:
/// conv(c1, padding 2) → ReLU → max-pool → conv(c2, padding 2) → ReLU → max-pool → flatten →
/// Linear(→ hidden) → ReLU → Linear(→ classes). Two registered variants:
/// <list type="bullet">
/// <item><see cref="Femnist"/> ("cnn"): the CNN of the LEAF benchmark (Caldas et al. 2018,
/// arXiv:1812.01097) that FLUTE uses for FEMNIST: 32 and 64 channels, 2048 hidden units; about
/// 6.5 M parameters on 28 × 28.</item>
/// <item><see cref="Small"/> ("cnn-small"): 8 and 16 channels, 120 hidden units, for quick runs;
/// 98,834 parameters on 1 × 28 × 28 with 10 classes.</item>
/// </list>
/// In portable compute mode (docs/reproducibility.md) the images go to the first convolution in
/// channels-last memory order (the shape stays [N, C, H, W]), so oneDNN runs its channels-last
/// kernels, whose AVX2 versions are fast; in NCHW order its AVX2 backward-weights kernel for a
/// single input channel is about 5× slower than the AVX-512 one, which made portable mode cost
/// 1.2–1.5× on mnist-cnn. Native mode keeps NCHW, so its model bits are unchanged.
/// </summary>
public sealed class TwoLayerCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly long[] imageShape;
    private readonly bool channelsLast;

    internal TwoLayerCnn(string name, ModelSpec spec, int channels1, int channels2, int hidden, bool channelsLast) : base(name)
    {
        this.channelsLast = channelsLast;
        var image = ImageShape.From(spec);
        int height = image.Height / 2 / 2, width = image.Width / 2 / 2;
        if (height < 1 || width < 1)
            throw new ArgumentException($"{name} needs images of at least 4 × 4; got {image.Height} × {image.Width}");
        imageShape = [-1, image.Channels, image.Height, image.Width];
        conv1 = nn.Conv2d(image.Channels, channels1, kernel_size: 5, padding: 2);
        conv2 = nn.Conv2d(channels1, channels2, kernel_size: 5, padding: 2);
        fc1 = nn.Linear((long)channels2 * height * width, hidden);
        fc2 = nn.Linear(hidden, spec.ClassCount);
        RegisterComponents();
    }

    /// <summary>The LEAF/FLUTE FEMNIST CNN ("cnn").</summary>
    public static TwoLayerCnn Femnist(ModelSpec spec) => new("cnn", spec, channels1: 32, channels2: 64, hidden: 2048, PortableLayout);

    /// <summary>The small variant for quick runs ("cnn-small").</summary>
    public static TwoLayerCnn Small(ModelSpec spec) => new("cnn-small", spec, channels1: 8, channels2: 16, hidden: 120, PortableLayout);

    /// <summary>Channels-last in portable compute mode (read when a replica is built, after the process chose its mode).</summary>
    private static bool PortableLayout => Hosting.ComputeDispatch.Mode == Hosting.ComputeMode.Portable;

    public override Tensor forward(Tensor input)
    {
        var image = input.view(imageShape);
        if (channelsLast) image = ImageLayout.ChannelsLast(image);
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(image)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        return fc2.forward(nn.functional.relu(fc1.forward(x.flatten(1))));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            fc1.Dispose();
            fc2.Dispose();
        }
        base.Dispose(disposing);
    }
}
