using Flute.Core.Configuration;

namespace Flute.Grains.Torch;

/// <summary>The model a config trains, without loading its data: the sample shape and class count of each known data set.</summary>
public static class ModelSpecs
{
    public static ModelSpec For(FluteConfig config) => config.Data.Dataset switch
    {
        "mnist" => new ModelSpec(config.Model.Name, [1, 28, 28], 10, config.Model.Hidden),
        "synthetic" => new ModelSpec(config.Model.Name, [Core.Data.Synthetic.SyntheticData.Features], Core.Data.Synthetic.SyntheticData.Classes, config.Model.Hidden),
        _ => throw new ArgumentException($"no sample shape is known for data set '{config.Data.Dataset}'"),
    };
}
