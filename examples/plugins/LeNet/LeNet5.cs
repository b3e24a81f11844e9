using Flute.Grains.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Examples.LeNet;

/// <summary>
/// LeNet-5 (LeCun, Bottou, Bengio and Haffner 1998) for single-channel images of at least 12 × 12:
/// conv 6@5×5 (padding 2) → ReLU → max-pool 2 → conv 16@5×5 → ReLU → max-pool 2 → dense 120 → ReLU →
/// dense 84 → ReLU → dense classes. On 1 × 28 × 28 with 10 classes it has 61,706 parameters.
/// </summary>
public sealed class LeNet5 : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly Conv2d _conv2;
    private readonly Linear _fc1;
    private readonly Linear _fc2;
    private readonly Linear _fc3;
    private readonly long[] _imageShape;

    /// <summary>Builds the network for <paramref name="spec"/>'s input shape ([1, H, W] or [H, W]) and class count.</summary>
    /// <exception cref="ArgumentException">The input is not a single-channel image of at least 12 × 12.</exception>
    public LeNet5(ModelSpec spec) : base("lenet5")
    {
        ArgumentNullException.ThrowIfNull(spec);
        int[] shape = spec.InputShape;
        (int channels, int height, int width) = shape.Length switch
        {
            3 => (shape[0], shape[1], shape[2]),
            2 => (1, shape[0], shape[1]),
            _ => throw new ArgumentException($"lenet5 needs image samples ([channels, height, width]); got [{string.Join(", ", shape)}]"),
        };
        // conv1 keeps the size (padding 2), pooling halves it, conv2 (no padding) takes 4 off, pooling halves it.
        int h = (height / 2 - 4) / 2, w = (width / 2 - 4) / 2;
        if (h < 1 || w < 1) throw new ArgumentException($"lenet5 needs images of at least 12 × 12; got {height} × {width}");
        _imageShape = [-1, channels, height, width];
        _conv1 = nn.Conv2d(channels, 6, kernel_size: 5, padding: 2);
        _conv2 = nn.Conv2d(6, 16, kernel_size: 5);
        _fc1 = nn.Linear(16L * h * w, 120);
        _fc2 = nn.Linear(120, 84);
        _fc3 = nn.Linear(84, spec.ClassCount);
        RegisterComponents();
    }

    /// <summary>Logits for a batch of flattened or shaped images.</summary>
    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.max_pool2d(nn.functional.relu(_conv1.forward(input.view(_imageShape))), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(_conv2.forward(x)), 2);
        x = nn.functional.relu(_fc1.forward(x.flatten(1)));
        return _fc3.forward(nn.functional.relu(_fc2.forward(x)));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _conv1.Dispose();
            _conv2.Dispose();
            _fc1.Dispose();
            _fc2.Dispose();
            _fc3.Dispose();
        }
        base.Dispose(disposing);
    }
}
