using System.Diagnostics;
using Flute.Core.Configuration;

namespace Flute.Core.Data.Partitioned;

/// <summary>A data set already partitioned into a file (data.file, written by 'flute data partition'), read per client on demand.</summary>
public sealed class PartitionedSource : IDatasetSource
{
    /// <inheritdoc/>
    public bool FetchesFiles => false;

    /// <inheritdoc/>
    public DatasetShape Shape(DataSection data)
    {
        using var file = PartitionedFile.Open(data.File);
        return new DatasetShape(file.SampleShape, file.ClassCount);
    }

    /// <inheritdoc/>
    public FederatedDataLoad Load(DataSection data, string? dataDir, ulong seed, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var file = PartitionedFile.Open(data.File);
        if (file.Clients != data.NumClients)
        {
            file.Dispose();
            throw new ArgumentException($"data.num_clients ({data.NumClients}) must equal the client count of {data.File} ({file.Clients})");
        }
        return new FederatedDataLoad(file.ToFederatedData(), 0, clock.Elapsed.TotalSeconds);
    }
}
