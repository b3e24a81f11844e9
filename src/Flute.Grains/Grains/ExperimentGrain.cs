using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Flute.Core.Aggregation;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Core.Sampling;
using Flute.Core.ServerOptimizers;
using Flute.Core.Strategies;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
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
/// step, evaluate on cadence, publish the new version, and commit the round (docs/persistence.md):
/// its weights, optimizer state and metrics history go to the checkpoint store first, then this
/// grain's state — which names them — is written; that write is the commit. A crash at any point
/// resumes from the last commit and, since every random stream is a function of (seed, round, client),
/// ends with the same model bits as an uninterrupted run.
/// </summary>
[GrainType("experiment")]
public sealed partial class ExperimentGrain(
    [PersistentState("experiment", FluteStorageOptions.ProviderName)] IPersistentState<ExperimentState> state,
    FluteStore store,
    ExperimentContextCache contexts,
    ModelCache models,
    TrainerPool trainers,
    PayloadBufferPool payloads,
    ClientActivity activity,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain
{
    private const int CommitAttempts = 3;
    private static readonly string s_buildVersion = typeof(ExperimentGrain).Assembly.GetName().Version?.ToString() ?? "unknown";
    private readonly CheckpointWriter? _writer = store.Checkpoints is { } checkpoints ? new CheckpointWriter(checkpoints) : null;
    private int _totalRounds;
    private int _committed;
    private int _resumedFrom;
    private volatile bool _pauseRequested;
    private bool _storageFailure;
    private int _bestRound;
    private double _bestValue = double.NaN;
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
        if (state.RecordExists)
        {
            ExperimentState stored = state.State;
            throw new InvalidOperationException(
                $"experiment '{spec.ExperimentId}' already exists in the store ({Describe(stored.Status)}, round {stored.RoundCompleted}/{stored.TotalRounds}); " +
                $"continue it with 'flute resume {spec.ExperimentId}' or choose another --id");
        }
        ExperimentContext context = await contexts.GetAsync(spec);
        FluteConfig config = context.Config;
        Initialize(spec, context, config.Experiment.Rounds);
        _weights = await trainers.InitialWeightsAsync(context.Model, config.Experiment.Seed);
        _step = new float[_weights.Length];
        state.State = new ExperimentState
        {
            ExperimentId = spec.ExperimentId,
            ConfigJson = spec.ConfigJson,
            ConfigResultHash = ConfigJson.ResultHash(config),
            OutputDirectory = spec.OutputDirectory,
        };
        Publish();
        // Round 0 (the initial weights) is committed before round 1 runs, so a crash at any later
        // moment has a committed round to resume from.
        await CommitAsync(0, ExperimentStatus.Running);
        _status = ExperimentStatus.Running;
        LogStarted(logger, spec.ExperimentId, _totalRounds, context.Data.Population, context.Layout.ParameterCount);
        ScheduleRounds();
    }

    public async Task ResumeAsync(ResumeRequest request)
    {
        ExperimentSpec spec = request.Spec;
        string id = spec.ExperimentId;
        if (_status == ExperimentStatus.Running)
            throw new InvalidOperationException($"experiment '{id}' is already running");
        if (_writer is null)
            throw new InvalidOperationException($"experiment '{id}' cannot be resumed: persistence is off (storage.provider none keeps nothing)");

        LoadedCheckpoint loaded;
        List<RoundMetrics> history;
        if (request.ForkSource is string source)
        {
            if (state.RecordExists)
                throw new InvalidOperationException($"experiment '{id}' already exists in the store; choose another --id for the new experiment");
            loaded = await LoadKeptRoundAsync(source, request.ForkRound);
            history = [.. DecodeHistory(loaded).Where(m => m.Round <= request.ForkRound)];
            state.State = new ExperimentState { ExperimentId = id, ForkedFrom = $"{source}@{request.ForkRound}" };
        }
        else
        {
            if (!state.RecordExists)
                throw new InvalidOperationException($"experiment '{id}' is not in the store {store.Location}");
            loaded = await LoadKeptRoundAsync(id, state.State.RoundCompleted);
            string sha = WeightsHash.Of(loaded.Weights);
            if (state.State.ModelSha256.Length > 0 && sha != state.State.ModelSha256)
                throw new InvalidOperationException($"experiment '{id}': the weights of round {state.State.RoundCompleted} ({store.Checkpoints!.Locate(loaded.Record.WeightsKey)}) do not match the committed state's model hash");
            history = DecodeHistory(loaded);
        }

        ExperimentContext context = await contexts.GetAsync(spec);
        FluteConfig config = context.Config;
        Initialize(spec, context, request.TotalRounds);
        _weights = loaded.Weights;
        _step = new float[_weights.Length];
        _optimizer.ImportState(loaded.OptimizerState);
        _version = loaded.Record.ModelVersion;
        _round = loaded.Record.RoundCompleted;
        _metrics.AddRange(history);
        _committed = _metrics.Count;
        _resumedFrom = _round;
        _bestRound = state.State.BestRound;
        _bestValue = state.State.BestValue;

        ExperimentState s = state.State;
        s.ConfigJson = spec.ConfigJson;
        s.ConfigResultHash = ConfigJson.ResultHash(config);
        s.OutputDirectory = spec.OutputDirectory;
        s.Error = null;
        if (request.ForcedChanges.Count > 0)
            s.ConfigBranches.Add($"round {_round}: {string.Join(", ", request.ForcedChanges)}");
        Publish();
        bool done = _round >= _totalRounds;
        // A stale pause request (from a run that stopped before seeing it) must not stop this one.
        await store.Checkpoints!.DeleteAsync(CheckpointKeys.PauseRequest(id));
        if (request.ForkSource is not null)
        {
            await CommitAsync(_round, done ? ExperimentStatus.Finished : ExperimentStatus.Running);
        }
        else
        {
            // Blobs of rounds after the last commit (a crash between a round's blobs and its commit)
            // are never read; delete them before those rounds are written again.
            await WithRetriesAsync(() => _writer.PruneAsync(id, _round, RetainedBy(config.Storage.SnapshotEvery, _bestRound)));
            s.Status = done ? ExperimentStatus.Finished : ExperimentStatus.Running;
            s.TotalRounds = _totalRounds;
            s.UpdatedAtUtc = DateTime.UtcNow;
            await WriteStateWithRetriesAsync();
        }
        _status = done ? ExperimentStatus.Finished : ExperimentStatus.Running;
        LogResumed(logger, id, _round, _totalRounds);
        if (!done) ScheduleRounds();
    }

    public Task PauseAsync()
    {
        _pauseRequested = true;
        return Task.CompletedTask;
    }

    private void Initialize(ExperimentSpec spec, ExperimentContext context, int totalRounds)
    {
        FluteConfig config = context.Config;
        _strategy = StrategyRegistry.Create(config.Server.Strategy);
        _optimizer = ServerOptimizerRegistry.Create(config.Server.Optimizer, config.Server.Lr, config.Server.Momentum);
        _aggregate = new FixedPointAccumulator(context.Layout.ParameterCount);
        _spec = spec;
        _context = context;
        _totalRounds = totalRounds;
    }

    private void ScheduleRounds() =>
        _timer = this.RegisterGrainTimer(RunRoundAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            KeepAlive = true,
        });

    private async Task<LoadedCheckpoint> LoadKeptRoundAsync(string experimentId, int round)
    {
        LoadedCheckpoint? loaded;
        try
        {
            loaded = await _writer!.LoadRoundAsync(experimentId, round);
        }
        catch (CorruptCheckpointException e)
        {
            IReadOnlyList<int> kept = await _writer!.ListRoundsAsync(experimentId);
            string earlier = string.Join(", ", kept.Where(r => r < round).OrderDescending());
            throw new InvalidOperationException(
                $"experiment '{experimentId}': the checkpoint of round {round} is unusable: {e.Message}" +
                (earlier.Length > 0
                    ? $"; earlier kept rounds: {earlier} (start from one with 'flute resume {experimentId} --from-round R --id NEW')"
                    : "; no earlier round is kept"));
        }
        if (loaded is null)
        {
            IReadOnlyList<int> kept = await _writer!.ListRoundsAsync(experimentId);
            throw new InvalidOperationException(
                $"experiment '{experimentId}' has no kept round {round} in {store.Location} (kept rounds: {(kept.Count > 0 ? string.Join(", ", kept) : "none")})");
        }
        return loaded;
    }

    private static List<RoundMetrics> DecodeHistory(LoadedCheckpoint loaded)
    {
        try
        {
            return MetricsJson.DecodeHistory(loaded.MetricsHistory);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"the metrics history {loaded.Record.MetricsKey} of experiment '{loaded.Record.ExperimentId}' is unreadable: {e.Message}");
        }
    }

    public Task<ExperimentProgress> GetProgressAsync(int afterRound)
    {
        // Only committed rounds are reported: what a reader sees is what a resume continues from.
        int from = Math.Clamp(afterRound, 0, _committed);
        var fresh = _metrics.GetRange(from, _committed - from);
        string? sha = _status is ExperimentStatus.Finished or ExperimentStatus.Paused ? ModelSha256() : null;
        int committedRound = _committed > 0 ? _metrics[_committed - 1].Round : _resumedFrom;
        return Task.FromResult(new ExperimentProgress(
            _status, committedRound, _totalRounds, fresh, _error, sha, _roundsSeconds)
        {
            StorageFailure = _storageFailure,
            ResumedFromRound = _resumedFrom,
        });
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
        string id = _context.ExperimentId;
        bool computed = false;
        try
        {
            await RunOneRoundAsync(_context);
            computed = true;
            bool finished = _round >= _totalRounds;
            bool pause = !finished && (_pauseRequested || await PauseRequestedInStoreAsync(id));
            ExperimentStatus next = finished ? ExperimentStatus.Finished : pause ? ExperimentStatus.Paused : ExperimentStatus.Running;
            await CommitAsync(_round, next);
            _status = next;
            if (finished)
            {
                ReleaseSiloCaches();
                LogFinished(logger, id, _round, ModelSha256());
            }
            else if (pause)
            {
                if (store.Checkpoints is { } checkpoints) await checkpoints.DeleteAsync(CheckpointKeys.PauseRequest(id));
                ReleaseSiloCaches();
                LogPaused(logger, id, _round);
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
            Exception cause = e is AggregateException { InnerException: { } inner } ? inner : e;
            _storageFailure = IsStorageFailure(cause);
            _error = _storageFailure
                ? $"storage error: {store.Location}: {Innermost(cause).Message}"
                : cause.Message;
            LogFailed(logger, e, id, computed ? _round : _round + 1);
            if (!_storageFailure) await TryRecordFailureAsync();
        }
    }

    /// <summary>
    /// Commits round <paramref name="round"/>: blobs first, then the grain state naming them (the
    /// commit), then rounds no longer kept are pruned. Makes the round's metrics visible afterwards.
    /// </summary>
    private async Task CommitAsync(int round, ExperimentStatus status)
    {
        ExperimentState s = state.State;
        s.Status = status;
        s.RoundCompleted = round;
        s.TotalRounds = _totalRounds;
        s.ModelVersion = _version;
        s.BuildVersion = s_buildVersion;
        s.ModelSha256 = ModelSha256();
        s.BestRound = _bestRound;
        s.BestValue = _bestValue;
        s.LastRound = _metrics.Count > 0 ? _metrics[^1] : null;
        s.LastEvaluated = _metrics.LastOrDefault(m => m.TestAccuracy is not null) ?? s.LastEvaluated;
        s.UpdatedAtUtc = DateTime.UtcNow;
        if (_writer is not null)
        {
            string id = s.ExperimentId;
            CrashPoints.CommittingRound = round;
            var snapshot = new RoundSnapshot(id, round, _version, CheckpointStatus.Running, s.ConfigJson, s_buildVersion,
                _weights, _optimizer.ExportState(), MetricsJson.EncodeHistory(_metrics), null, s.UpdatedAtUtc);
            ExperimentCheckpoint record = await WithRetriesAsync(() => _writer.WriteRoundAsync(snapshot));
            CrashPoints.Check(round, "blobs");
            s.WeightsKey = record.WeightsKey;
            s.OptimizerStateKey = record.OptimizerStateKey;
            s.MetricsKey = record.MetricsKey;
            s.StrategyStateKey = record.StrategyStateKey;
            await WriteStateWithRetriesAsync();
            CrashPoints.Check(round, "committed");
            // Pruning old rounds is not part of the commit: it runs while the next round computes
            // (one prune at a time, never touching rounds after the committed one), and the last
            // commit of a run waits for it.
            Task previous = _pruning;
            _pruning = PruneInBackgroundAsync(previous, id, round, RetainedBy(_context!.Config.Storage.SnapshotEvery, _bestRound));
            if (status != ExperimentStatus.Running) await _pruning;
        }
        _committed = _metrics.Count;
    }

    private Task _pruning = Task.CompletedTask;

    private static Func<int, bool> RetainedBy(int snapshotEvery, int bestRound) =>
        r => (snapshotEvery > 0 && r > 0 && r % snapshotEvery == 0) || (bestRound > 0 && r == bestRound);

    private async Task PruneInBackgroundAsync(Task previous, string id, int round, Func<int, bool> retained)
    {
        try
        {
            await previous;
            await WithRetriesAsync(() => _writer!.PruneAsync(id, round, retained, deleteLaterRounds: false));
            CrashPoints.Check(round, "pruned");
        }
        catch (Exception e)
        {
            // Nothing is lost: the round is committed, and the next prune deletes what this one left.
            LogPruneFailed(logger, e, id, round);
        }
    }

    private Task WriteStateWithRetriesAsync() => WithRetriesAsync(() => state.WriteStateAsync());

    /// <summary>Storage calls get a bounded number of attempts (the backends retry transient faults inside too).</summary>
    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> action)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (attempt < CommitAttempts && IsStorageFailure(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt));
            }
        }
    }

    private static Task WithRetriesAsync(Func<Task> action) =>
        WithRetriesAsync(async () => { await action(); return true; });

    private async Task<bool> PauseRequestedInStoreAsync(string id) =>
        store.Checkpoints is { } checkpoints && await checkpoints.ExistsAsync(CheckpointKeys.PauseRequest(id));

    /// <summary>Records a failed status and its error, keeping the last committed round; best effort.</summary>
    private async Task TryRecordFailureAsync()
    {
        if (_writer is null || !state.RecordExists) return;
        try
        {
            state.State.Status = ExperimentStatus.Failed;
            state.State.Error = _error;
            state.State.UpdatedAtUtc = DateTime.UtcNow;
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogRecordFailed(logger, e, state.State.ExperimentId);
        }
    }

    private static bool IsStorageFailure(Exception e) => StorageFailures.Is(e, fileErrors: true);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null && e is not StorageUnavailableException) e = e.InnerException;
        return e;
    }

    private static string Describe(ExperimentStatus status) => status.ToString().ToLowerInvariant();

    private async Task RunOneRoundAsync(ExperimentContext context)
    {
        FluteConfig config = context.Config;
        int round = _round + 1;
        long started = Stopwatch.GetTimestamp();
        if (round == 1 || _roundsStartTicks == 0) _roundsStartTicks = started;

        long activatedBefore = activity.Activated;
        long[] cohort = CohortSampler.Sample(context.Data.Population, config.Server.ClientsPerRound, config.Experiment.Seed, round);
        var request = new TrainRequest(context.ExperimentId, round, _version, config.Experiment.Seed);
        var tally = new RoundTally();
        _aggregate.Reset();

        int window = config.Server.MaxInFlight > 0 ? config.Server.MaxInFlight : 4 * trainers.Trainers;
        var pending = new List<Task<TrainResult>>(window);
        int next = 0, folded = 0;
        while (next < cohort.Length || pending.Count > 0)
        {
            while (pending.Count < window && next < cohort.Length)
                pending.Add(TrainWithRetriesAsync(cohort[next++], request, config.Server.MaxRetries, tally));
            Task<TrainResult> done = await Task.WhenAny(pending);
            pending.Remove(done);
            Fold(await done, request, tally);
            if (++folded == (cohort.Length + 1) / 2) CrashPoints.Check(round, "train");
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

        double? evalSeconds = null, accuracy = null, testLoss = null, valAccuracy = null, valLoss = null;
        int every = config.Server.EvalEvery;
        if (round == _totalRounds || (every > 0 && round % every == 0))
        {
            long evalStarted = Stopwatch.GetTimestamp();
            (accuracy, testLoss) = await EvaluateAsync(context, validation: false);
            if (context.Data.Validation is not null)
            {
                (valAccuracy, valLoss) = await EvaluateAsync(context, validation: true);
                TrackBest(round, config.Storage.BestMetric, valAccuracy.Value, valLoss.Value);
            }
            evalSeconds = Stopwatch.GetElapsedTime(evalStarted).TotalSeconds;
            _evalSecondsTotal += evalSeconds.Value;
        }
        _roundsSeconds = Stopwatch.GetElapsedTime(_roundsStartTicks).TotalSeconds - _evalSecondsTotal;

        var metrics = new RoundMetrics(round, cohort.Length, tally.Folded, tally.MeanLoss, seconds,
            evalSeconds, accuracy, testLoss, tally.Rejected, tally.Retries)
        {
            ValidationAccuracy = valAccuracy,
            ValidationLoss = valLoss,
            Activations = activity.Activated - activatedBefore,
            AliveAfter = activity.Alive,
        };
        // Visible to GetProgressAsync only once committed (CommitAsync).
        _metrics.Add(metrics);
        LogRound(logger, context.ExperimentId, round, tally.Folded, tally.MeanLoss);
    }

    private GrainType _clientGrainType;
    private GrainInterfaceType _clientInterfaceType;

    /// <summary>
    /// A reference to a client grain, built from a cached grain type and interface type:
    /// <c>GetGrain&lt;IClientGrain&gt;(long, string)</c> resolves the interface type by reflection on every
    /// call, which was ~5% of the CPU of a 10,000-client round and ran on this grain's single thread.
    /// </summary>
    private IClientGrain ClientReference(long client, string experimentId)
    {
        if (_clientInterfaceType.IsDefault)
        {
            var probe = (GrainReference)(object)GrainFactory.GetGrain<IClientGrain>(client, experimentId);
            _clientGrainType = probe.GrainId.Type;
            _clientInterfaceType = probe.InterfaceType;
        }
        var id = GrainId.Create(_clientGrainType, GrainIdKeyExtensions.CreateIntegerKey(client, experimentId));
        return (IClientGrain)GrainFactory.GetGrain(id, _clientInterfaceType);
    }

    private async Task<TrainResult> TrainWithRetriesAsync(long client, TrainRequest request, int maxRetries, RoundTally tally)
    {
        var grain = ClientReference(client, request.ExperimentId);
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

    /// <summary>The best round on the validation split: highest accuracy or lowest loss; ties keep the earlier round.</summary>
    private void TrackBest(int round, string metric, double accuracy, double loss)
    {
        double value = metric == "loss" ? loss : accuracy;
        if (!double.IsFinite(value)) return;
        bool better = double.IsNaN(_bestValue) || (metric == "loss" ? value < _bestValue : value > _bestValue);
        if (!better) return;
        _bestRound = round;
        _bestValue = value;
    }

    private async Task<(double Accuracy, double Loss)> EvaluateAsync(ExperimentContext context, bool validation)
    {
        int total = validation ? context.Data.Validation!.Count : context.Data.Test.Count;
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
            pending.Add(EvaluateSliceAsync(evaluator, new EvaluationRequest(context.ExperimentId, _version, start, end - start) { Validation = validation }, results, slice));
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
        WeightsHash.Of(_weights);

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
    private static partial void LogStarted(ILogger logger, string experimentId, int rounds, long clients, int parameters);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ExperimentId} round {Round} aggregated {Clients} updates, train loss {Loss}")]
    private static partial void LogRound(ILogger logger, string experimentId, int round, int clients, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} finished after {Rounds} rounds, model {Sha256}")]
    private static partial void LogFinished(ILogger logger, string experimentId, int rounds, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} resumed after round {Round} of {Rounds}")]
    private static partial void LogResumed(ILogger logger, string experimentId, int round, int rounds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} paused after round {Round}")]
    private static partial void LogPaused(ILogger logger, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: pruning rounds before {Round} failed; the next commit retries")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: could not record the failed status")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string experimentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{ExperimentId} failed in round {Round}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: training call to client {Client} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, string experimentId, int round, long client, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: update of client {Client} rejected ({Status})")]
    private static partial void LogRejected(ILogger logger, string experimentId, int round, long client, FoldStatus status);
}
