using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// One-hidden-layer perceptron: flatten → Linear(features → hidden) → ReLU → Linear(hidden → classes),
/// hidden = <see cref="ModelSpec.Hidden"/>. Registered as "mlp".
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear output;

    public Mlp(ModelSpec spec) : base("mlp")
    {
        if (spec.Hidden < 1) throw new ArgumentException($"mlp needs hidden ≥ 1; got {spec.Hidden}");
        hidden = nn.Linear(spec.FeatureCount, spec.Hidden);
        output = nn.Linear(spec.Hidden, spec.ClassCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        output.forward(nn.functional.relu(hidden.forward(input.flatten(1))));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hidden.Dispose();
            output.Dispose();
        }
        base.Dispose(disposing);
    }
}
