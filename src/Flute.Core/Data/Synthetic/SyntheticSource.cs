using System.Diagnostics;
using Flute.Core.Configuration;

namespace Flute.Core.Data.Synthetic;

/// <summary>The synthetic data set (<see cref="SyntheticData"/>), generated per client from the seed; nothing to fetch.</summary>
public sealed class SyntheticSource : IDatasetSource
{
    /// <inheritdoc/>
    public bool FetchesFiles => false;

    /// <inheritdoc/>
    public DatasetShape Shape(DataSection data) => new([SyntheticData.Features], SyntheticData.Classes);

    /// <inheritdoc/>
    public FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        return new FederatedDataLoad(SyntheticData.Create(data, seed), 0, clock.Elapsed.TotalSeconds);
    }
}
