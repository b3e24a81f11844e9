using Flute.Core.Configuration;

namespace Flute.Grains.Torch;

/// <summary>The model a config trains, without loading its data: the sample shape and class count of each known data set.</summary>
public static class ModelSpecs
{
    public static ModelSpec For(FluteConfig config) => config.Data.Dataset switch
    {
        "mnist" => new ModelSpec(config.Model.Name, [1, 28, 28], 10, config.Model.Hidden),
        "synthetic" => new ModelSpec(config.Model.Name, [Core.Data.Synthetic.SyntheticData.Features], Core.Data.Synthetic.SyntheticData.Classes, config.Model.Hidden),
        "partitioned" => FromFile(config),
        _ => throw new ArgumentException($"no sample shape is known for data set '{config.Data.Dataset}'"),
    };

    private static ModelSpec FromFile(FluteConfig config)
    {
        using var file = Core.Data.Partitioned.PartitionedFile.Open(config.Data.File);
        return new ModelSpec(config.Model.Name, file.SampleShape, file.ClassCount, config.Model.Hidden);
    }
}
