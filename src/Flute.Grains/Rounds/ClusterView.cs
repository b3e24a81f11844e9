using System.Diagnostics;
using Flute.Grains.Torch;
using Flute.Interfaces;

namespace Flute.Grains.Rounds;

/// <summary>
/// What the experiment grain knows of the cluster: its active silos and their trainers (the default
/// in-flight window is 4 × the trainers), asked of each silo's agent at most every 10 s; a single
/// silo answers from its own pool.
/// </summary>
public sealed class ClusterView(IGrainFactory grains, TrainerPool trainers)
{
    private int _trainers;
    private long _askedAt;

    /// <summary>Active silos at the last question (1 until asked).</summary>
    public int Silos { get; private set; } = 1;

    /// <summary>Trainers across the cluster's active silos.</summary>
    public async Task<int> TrainersAsync()
    {
        if (_trainers > 0 && Stopwatch.GetElapsedTime(_askedAt) < TimeSpan.FromSeconds(10)) return _trainers;
        int total = trainers.Trainers;
        try
        {
            Dictionary<SiloAddress, SiloStatus> hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Silos = Math.Max(1, hosts.Count);
            if (hosts.Count > 1)
            {
                SiloInfo[] silos = await Task.WhenAll(hosts.Keys.Select(h => grains.GetGrain<ISiloAgentGrain>(h.ToParsableString()).GetInfoAsync()));
                total = Math.Max(1, silos.Sum(i => i.Trainers));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A silo leaving mid-question: keep the last answer (or this silo's own) until the next one.
            if (_trainers > 0) total = _trainers;
        }
        _trainers = total;
        _askedAt = Stopwatch.GetTimestamp();
        return total;
    }
}
