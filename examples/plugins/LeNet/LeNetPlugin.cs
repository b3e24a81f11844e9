using Flute.Core.Plugins;
using Flute.Core.Registry;
using Flute.Grains.Torch;

namespace Flute.Examples.LeNet;

/// <summary>The plug-in's entry point: Flute calls <see cref="Register"/> once per process when a config names this assembly.</summary>
public sealed class LeNetPlugin : IFlutePlugin
{
    /// <summary>The model name configs use (model.name).</summary>
    public const string ModelName = "lenet5";

    /// <inheritdoc />
    public void Register()
    {
        ModelRegistry.Register(ModelName, "LeNet-5 (LeCun et al. 1998), from the sample plug-in examples/plugins/LeNet.", spec => new LeNet5(spec));
        Components.Metrics.Register(ErrorRate.MetricName, "1 − accuracy, from the sample plug-in examples/plugins/LeNet.", _ => new ErrorRate());
    }
}
