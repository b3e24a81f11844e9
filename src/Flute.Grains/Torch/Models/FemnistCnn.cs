using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// The CNN of the LEAF benchmark (Caldas et al. 2018, arXiv:1812.01097) that FLUTE uses for FEMNIST:
/// conv 5×5 (32, padding 2) → ReLU → max-pool 2×2 → conv 5×5 (64, padding 2) → ReLU → max-pool 2×2 →
/// flatten → Linear(→ 2048) → ReLU → Linear(→ classes). Registered as "cnn"; about 6.5 M parameters on 28 × 28.
/// </summary>
public sealed class FemnistCnn : nn.Module<Tensor, Tensor>
{
    private const int Hidden = 2048;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly long[] imageShape;

    public FemnistCnn(ModelSpec spec) : base("cnn")
    {
        var image = ImageShape.From(spec);
        int height = image.Height / 2 / 2, width = image.Width / 2 / 2;
        if (height < 1 || width < 1)
            throw new ArgumentException($"cnn needs images of at least 4 × 4; got {image.Height} × {image.Width}");
        imageShape = [-1, image.Channels, image.Height, image.Width];
        conv1 = nn.Conv2d(image.Channels, 32, kernel_size: 5, padding: 2);
        conv2 = nn.Conv2d(32, 64, kernel_size: 5, padding: 2);
        fc1 = nn.Linear(64L * height * width, Hidden);
        fc2 = nn.Linear(Hidden, spec.ClassCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(input.view(imageShape))), 2);
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
