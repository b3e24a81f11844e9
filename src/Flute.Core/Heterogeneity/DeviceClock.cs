using Flute.Core.Configuration;
using Flute.Core.Randomness;
using Flute.Core.Sampling;

namespace Flute.Core.Heterogeneity;

/// <summary>
/// The virtual clock of one experiment (docs/heterogeneity.md): each client's device (from the trace, or
/// drawn once per client from the lognormal distributions of devices.*), who is online when a round
/// starts, who drops out, and — from the round's <see cref="ClientWork"/> — when each update arrives and
/// which updates count. Every decision is a pure function of (seed, round, client) and the trace files,
/// so it never depends on timing, and the round can be planned before anyone trains.
/// </summary>
public sealed class DeviceClock : IDisposable
{
    private readonly DevicesSection _options;
    private readonly ulong _seed;
    private readonly DeviceTrace? _trace;
    private readonly AvailabilityTrace? _availability;

    /// <summary>The clock of <paramref name="config"/>, opening its trace files (checked line by line), or null when devices.clock is off.</summary>
    /// <exception cref="FormatException">A trace file has a bad line; the message names the file and line.</exception>
    public static DeviceClock? From(FluteConfig config) =>
        config.Devices.Clock == "on" ? new DeviceClock(config.Devices, config.Experiment.Seed) : null;

    /// <summary>A clock with the options of <paramref name="options"/> and the root <paramref name="seed"/>.</summary>
    public DeviceClock(DevicesSection options, ulong seed)
    {
        _options = options;
        _seed = seed;
        _trace = options.Trace.Length > 0 ? new DeviceTrace(options.Trace) : null;
        try
        {
            _availability = options.Availability.Length > 0 ? new AvailabilityTrace(options.Availability, options.AvailabilityPeriod) : null;
        }
        catch
        {
            _trace?.Dispose();
            throw;
        }
    }

    /// <summary>The device of <paramref name="clientId"/>: the trace's line, else median × e^(σ·z) per quantity from the client's own stream.</summary>
    public DeviceProfile Profile(long clientId)
    {
        if (_trace?.Find(clientId) is { } traced) return traced;
        DeterministicRandom random = DeterministicRandom.For(_seed, StreamPurpose.DeviceProfile, client: clientId);
        double speed = _options.SpeedMedian * Math.Exp(_options.SpeedSigma * random.NextGaussian());
        double bandwidth = _options.BandwidthMedian * Math.Exp(_options.BandwidthSigma * random.NextGaussian());
        return new DeviceProfile(speed, bandwidth);
    }

    /// <summary>Whether <paramref name="clientId"/> drops out of <paramref name="round"/> (devices.dropout).</summary>
    public bool DropsOut(long round, long clientId) =>
        _options.Dropout > 0 && DeterministicRandom.For(_seed, StreamPurpose.ClientDropout, round, clientId).NextDouble() < _options.Dropout;

    /// <summary>
    /// The clients sampled for <paramref name="round"/> starting at virtual time <paramref name="startSeconds"/>:
    /// ⌈(1 + over_commit)·<paramref name="target"/>⌉ of them (at most the population), drawn among the
    /// clients online then when there is an availability trace, else exactly as without the clock.
    /// </summary>
    public long[] SampleCohort(long population, int target, long round, double startSeconds)
    {
        int size = (int)Math.Min(population, RoundSelection.OverCommitted(target, _options.OverCommit));
        return _availability is { } availability
            ? AvailableCohortSampler.Sample(population, size, _seed, round, id => availability.IsOnline(id, startSeconds))
            : CohortSampler.Sample(population, size, _seed, round);
    }

    /// <summary>
    /// FedBuff's dispatch at server step <paramref name="step"/>: up to <paramref name="count"/> clients online
    /// at <paramref name="startSeconds"/> and not <paramref name="busy"/>, drawn as an available cohort; a
    /// drawn client that drops out (devices.dropout) is counted and replaced.
    /// </summary>
    public (long[] Clients, int Dropped) SampleDispatch(long population, int count, long step, double startSeconds, Func<long, bool> busy)
    {
        if (count <= 0) return ([], 0);
        int dropped = 0;
        long[] clients = AvailableCohortSampler.Sample(population, count, _seed, step, id =>
        {
            if (busy(id) || !(_availability?.IsOnline(id, startSeconds) ?? true)) return false;
            if (!DropsOut(step, id)) return true;
            dropped++;
            return false;
        });
        return (clients, dropped);
    }

    /// <summary>Virtual seconds <paramref name="clientId"/> needs for <paramref name="work"/>.</summary>
    public double CompletionSeconds(long clientId, ClientWork work) =>
        Profile(clientId).CompletionSeconds(work.ModelBytes, work.SamplesProcessed, work.UpdateBytes);

    /// <summary>Plans <paramref name="round"/>: each client's completion time from its device and work, dropouts, the deadline, and the first <paramref name="target"/> arrivals.</summary>
    public RoundPlan Plan(long round, long[] cohort, int target, Func<long, ClientWork> work)
    {
        var timings = new ClientTiming[cohort.Length];
        for (int i = 0; i < cohort.Length; i++)
        {
            long id = cohort[i];
            ClientWork w = work(id);
            timings[i] = new ClientTiming(id, CompletionSeconds(id, w), DropsOut(round, id));
        }
        return RoundSelection.Select(timings, target, _options.Deadline);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _trace?.Dispose();
        _availability?.Dispose();
    }
}
