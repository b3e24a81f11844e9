using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Registry;

namespace Flute.Grains.Torch;

/// <summary>The model a config trains, without loading its data: the sample shape and class count come from the registered data set.</summary>
public static class ModelSpecs
{
    public static ModelSpec For(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        DatasetShape shape = Components.Datasets.Create(config.Data.Dataset, config.Data).Shape(config.Data);
        return new ModelSpec(config.Model.Name, shape.SampleShape, shape.ClassCount, config.Model.Hidden);
    }
}
