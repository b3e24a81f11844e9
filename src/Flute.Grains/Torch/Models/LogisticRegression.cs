using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>Multinomial logistic regression: flatten → Linear(features → classes). Registered as "logreg".</summary>
public sealed class LogisticRegression : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear;

    public LogisticRegression(ModelSpec spec) : base("logreg")
    {
        linear = nn.Linear(spec.FeatureCount, spec.ClassCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => linear.forward(input.flatten(1));

    protected override void Dispose(bool disposing)
    {
        if (disposing) linear.Dispose();
        base.Dispose(disposing);
    }
}
