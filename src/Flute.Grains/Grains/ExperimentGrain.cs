using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Sampling;
using Flute.Core.ServerOptimizers;
using Flute.Core.Strategies;
using Flute.Grains.Runtime;
using Flute.Grains.Torch;
using Flute.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Flute.Grains.Grains;

/// <summary>
/// Runs one experiment, one round per timer tick (a grain call never spans the experiment, so
/// status queries are answered between and during rounds). Each round: sample the cohort from a
/// seeded stream, fan out training calls carrying the model version with a bounded window in
/// flight, fold each pseudo-gradient into exact fixed-point sums as it arrives, take the server
/// step, evaluate on cadence, and publish the new version.
/// </summary>
public sealed partial class ExperimentGrain(
    ExperimentContextCache contexts,
    ModelCache models,
    TrainerPool trainers,
    PayloadBufferPool payloads,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain
{
    private ExperimentSpec? _spec;
    private ExperimentContext? _context;
    private ExperimentStatus _status = ExperimentStatus.NotStarted;
    private string? _error;
    private IStrategy _strategy = null!;
    private IServerOptimizer _optimizer = null!;
    private FixedPointAccumulator _aggregate = null!;
    private float[] _weights = [];
    private float[] _step = [];
    private readonly Dictionary<long, byte[]> _versions = [];
    private long _version;
    private int _round;
    private readonly List<RoundMetrics> _metrics = [];
    private IGrainTimer? _timer;
    private long _roundsStartTicks;
    private double _evalSecondsTotal;
    private double _roundsSeconds;

    public async Task StartAsync(ExperimentSpec spec)
    {
        if (_spec is not null)
        {
            if (_spec == spec) return;
            throw new InvalidOperationException($"experiment '{spec.ExperimentId}' was already started with another config");
        }
        ExperimentContext context = await contexts.GetAsync(spec);
        FluteConfig config = context.Config;
        _strategy = StrategyRegistry.Create(config.Server.Strategy);
        _optimizer = ServerOptimizerRegistry.Create(config.Server.Optimizer, config.Server.Lr, config.Server.Momentum);
        _weights = await trainers.InitialWeightsAsync(context.Model, config.Experiment.Seed);
        _step = new float[_weights.Length];
        _aggregate = new FixedPointAccumulator(_weights.Length);
        _spec = spec;
        _context = context;
        _status = ExperimentStatus.Running;
        Publish();
        LogStarted(logger, spec.ExperimentId, config.Experiment.Rounds, context.Data.ClientCount, context.Layout.ParameterCount);
        _timer = this.RegisterGrainTimer(RunRoundAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            KeepAlive = true,
        });
    }

    public Task<ExperimentProgress> GetProgressAsync(int afterRound)
    {
        int from = Math.Clamp(afterRound, 0, _metrics.Count);
        var fresh = _metrics.GetRange(from, _metrics.Count - from);
        string? sha = _status == ExperimentStatus.Finished ? ModelSha256() : null;
        return Task.FromResult(new ExperimentProgress(
            _status, _round, _context?.Config.Experiment.Rounds ?? 0, fresh, _error, sha, _roundsSeconds));
    }

    public Task<ExperimentSpec> GetSpecAsync() =>
        _spec is null
            ? throw new InvalidOperationException($"experiment '{this.GetPrimaryKeyString()}' has not been started")
            : Task.FromResult(_spec);

    public Task<Immutable<byte[]>> GetModelAsync(long version) =>
        _versions.TryGetValue(version, out byte[]? weights)
            ? Task.FromResult(weights.AsImmutable())
            : throw new ArgumentOutOfRangeException(nameof(version), $"model version {version} is not held (current {_version})");

    private async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (_status != ExperimentStatus.Running || _context is null) return;
        try
        {
            await RunOneRoundAsync(_context);
            if (_round >= _context.Config.Experiment.Rounds)
            {
                _status = ExperimentStatus.Finished;
                ReleaseSiloCaches();
                LogFinished(logger, _context.ExperimentId, _round, ModelSha256());
            }
            else
            {
                _timer?.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            _status = ExperimentStatus.Failed;
            ReleaseSiloCaches();
            _error = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
            LogFailed(logger, e, _context.ExperimentId, _round + 1);
        }
    }

    private async Task RunOneRoundAsync(ExperimentContext context)
    {
        FluteConfig config = context.Config;
        int round = _round + 1;
        long started = Stopwatch.GetTimestamp();
        if (round == 1 || _roundsStartTicks == 0) _roundsStartTicks = started;

        long[] cohort = CohortSampler.Sample(context.Data.ClientCount, config.Server.ClientsPerRound, config.Experiment.Seed, round);
        var request = new TrainRequest(context.ExperimentId, round, _version, config.Experiment.Seed);
        var tally = new RoundTally();
        _aggregate.Reset();

        int window = config.Server.MaxInFlight > 0 ? config.Server.MaxInFlight : 4 * trainers.Trainers;
        var pending = new List<Task<TrainResult>>(window);
        int next = 0;
        while (next < cohort.Length || pending.Count > 0)
        {
            while (pending.Count < window && next < cohort.Length)
                pending.Add(TrainWithRetriesAsync(cohort[next++], request, config.Server.MaxRetries, tally));
            Task<TrainResult> done = await Task.WhenAny(pending);
            pending.Remove(done);
            Fold(await done, request, tally);
        }

        if (_aggregate.Count > 0)
        {
            _aggregate.WeightedMean(_step);
            _optimizer.Step(_weights, _step);
        }
        _version++;
        _round = round;
        Publish();
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        double? evalSeconds = null, accuracy = null, testLoss = null;
        int every = config.Server.EvalEvery;
        if (round == config.Experiment.Rounds || (every > 0 && round % every == 0))
        {
            long evalStarted = Stopwatch.GetTimestamp();
            (accuracy, testLoss) = await EvaluateAsync(context);
            evalSeconds = Stopwatch.GetElapsedTime(evalStarted).TotalSeconds;
            _evalSecondsTotal += evalSeconds.Value;
        }
        _roundsSeconds = Stopwatch.GetElapsedTime(_roundsStartTicks).TotalSeconds - _evalSecondsTotal;

        var metrics = new RoundMetrics(round, cohort.Length, tally.Folded, tally.MeanLoss, seconds,
            evalSeconds, accuracy, testLoss, tally.Rejected, tally.Retries);
        _metrics.Add(metrics);
        LogRound(logger, context.ExperimentId, round, tally.Folded, tally.MeanLoss);
    }

    private async Task<TrainResult> TrainWithRetriesAsync(long client, TrainRequest request, int maxRetries, RoundTally tally)
    {
        var grain = GrainFactory.GetGrain<IClientGrain>(client, request.ExperimentId);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await grain.TrainAsync(request);
            }
            catch (Exception e) when (attempt < maxRetries)
            {
                // Client work is a pure function of its request, so a retry cannot change the result;
                // dropping the client instead would make the run depend on timing.
                tally.Retries++;
                LogRetry(logger, e, request.ExperimentId, request.Round, client, attempt + 1);
            }
        }
    }

    private void Fold(TrainResult result, TrainRequest request, RoundTally tally)
    {
        if (result.Payload is null || result.SampleCount == 0) return;
        try
        {
            PayloadHeader header = PseudoGradientPayload.Read(result.Payload, out ReadOnlyMemory<byte> data);
            if (header.Client != result.ClientId || header.Round != request.Round || header.ModelVersion != request.ModelVersion)
                throw new InvalidDataException($"payload header (client {header.Client}, round {header.Round}, version {header.ModelVersion}) does not match its reply");
            double weight = _strategy.ClientWeight(new ClientUpdateInfo(header.SampleCount, header.Loss));
            FoldStatus status = _aggregate.TryFold(data.Span, weight);
            if (status == FoldStatus.Folded) tally.Add(header.SampleCount, header.Loss);
            else
            {
                tally.Rejected++;
                LogRejected(logger, request.ExperimentId, request.Round, result.ClientId, status);
            }
        }
        finally
        {
            payloads.Return(result.Payload);
        }
    }

    private async Task<(double Accuracy, double Loss)> EvaluateAsync(ExperimentContext context)
    {
        int total = context.Data.Test.Count;
        if (total == 0) return (double.NaN, double.NaN);
        // One work item per evaluation batch (at least one per trainer), with a bounded window in
        // flight: a large model's slice then never waits in a trainer queue past the call timeout.
        int slices = Math.Max(Math.Min(total, trainers.Trainers), (total + context.Config.Server.EvalBatchSize - 1) / context.Config.Server.EvalBatchSize);
        int window = 2 * trainers.Trainers;
        var evaluator = GrainFactory.GetGrain<IEvaluationGrain>(context.ExperimentId);
        var results = new EvaluationResult[slices];
        var pending = new List<Task>(window);
        for (int s = 0; s < slices; s++)
        {
            if (pending.Count == window) pending.Remove(await Task.WhenAny(pending));
            int slice = s, start = (int)((long)total * s / slices), end = (int)((long)total * (s + 1) / slices);
            pending.Add(EvaluateSliceAsync(evaluator, new EvaluationRequest(context.ExperimentId, _version, start, end - start), results, slice));
        }
        await Task.WhenAll(pending);
        long correct = 0, count = 0;
        double loss = 0;
        foreach (var r in results)
        {
            // Summed in slice order, so the reported loss does not depend on completion order.
            correct += r.Correct;
            loss += r.LossSum;
            count += r.Count;
        }
        return ((double)correct / count, loss / count);
    }

    private static async Task EvaluateSliceAsync(IEvaluationGrain evaluator, EvaluationRequest request, EvaluationResult[] results, int slice) =>
        results[slice] = await evaluator.EvaluateAsync(request);

    /// <summary>
    /// A finished or failed experiment trains no more: drop this silo's copy of its data and its
    /// cached weights (the grain keeps its own last versions for <see cref="GetModelAsync"/>).
    /// </summary>
    private void ReleaseSiloCaches()
    {
        string id = this.GetPrimaryKeyString();
        contexts.Remove(id);
        models.Remove(id);
    }

    private void Publish()
    {
        byte[] bytes = MemoryMarshal.AsBytes(_weights.AsSpan()).ToArray();
        _versions[_version] = bytes;
        _versions.Remove(_version - 2);
        models.Put(this.GetPrimaryKeyString(), _version, bytes);
    }

    private string ModelSha256() =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(_weights.AsSpan())));

    /// <summary>Per-round counters; the loss mean is weighted by samples and summed exactly.</summary>
    private sealed class RoundTally
    {
        // 20 fraction bits: loss × samples summed over a cohort of thousands stays far inside the
        // range (±2^43), with a resolution of 1e-6 — plenty for a reported mean.
        private readonly FixedPointAccumulator _loss = new(1, fractionBits: 20);
        public int Folded;
        public int Rejected;
        public int Retries;

        public void Add(int samples, double loss)
        {
            Folded++;
            // A non-finite loss with a finite update still counts as folded; it just has no loss to report.
            Span<float> value = [(float)loss];
            _loss.TryFold(value, samples);
        }

        public double MeanLoss
        {
            get
            {
                if (_loss.Count == 0) return double.NaN;
                Span<float> mean = stackalloc float[1];
                _loss.WeightedMean(mean);
                return mean[0];
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} started: {Rounds} rounds, {Clients} clients, {Parameters} parameters")]
    private static partial void LogStarted(ILogger logger, string experimentId, int rounds, int clients, int parameters);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ExperimentId} round {Round} aggregated {Clients} updates, train loss {Loss}")]
    private static partial void LogRound(ILogger logger, string experimentId, int round, int clients, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} finished after {Rounds} rounds, model {Sha256}")]
    private static partial void LogFinished(ILogger logger, string experimentId, int rounds, string sha256);

    [LoggerMessage(Level = LogLevel.Error, Message = "{ExperimentId} failed in round {Round}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: training call to client {Client} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, string experimentId, int round, long client, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: update of client {Client} rejected ({Status})")]
    private static partial void LogRejected(ILogger logger, string experimentId, int round, long client, FoldStatus status);
}
