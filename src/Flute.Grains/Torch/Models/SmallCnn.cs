using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// A small CNN in the style of <see cref="FemnistCnn"/>, for quick runs: conv 5×5 (8, padding 2) → ReLU →
/// max-pool 2×2 → conv 5×5 (16, padding 2) → ReLU → max-pool 2×2 → flatten → Linear(→ 120) → ReLU →
/// Linear(→ classes). Registered as "cnn-small"; 98,834 parameters on 1 × 28 × 28 with 10 classes.
/// </summary>
public sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    private const int Hidden = 120;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly long[] imageShape;

    public SmallCnn(ModelSpec spec) : base("cnn-small")
    {
        var image = ImageShape.From(spec);
        int height = image.Height / 2 / 2, width = image.Width / 2 / 2;
        if (height < 1 || width < 1)
            throw new ArgumentException($"cnn-small needs images of at least 4 × 4; got {image.Height} × {image.Width}");
        imageShape = [-1, image.Channels, image.Height, image.Width];
        conv1 = nn.Conv2d(image.Channels, 8, kernel_size: 5, padding: 2);
        conv2 = nn.Conv2d(8, 16, kernel_size: 5, padding: 2);
        fc1 = nn.Linear(16L * height * width, Hidden);
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
