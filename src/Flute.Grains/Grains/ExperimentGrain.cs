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
using Flute.Grains.Hosting;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Grains.Torch;
using Flute.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Messaging;

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
    FluteSiloOptions siloOptions,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain, IRemindable
{
    private const string KeepAliveReminder = "flute-keepalive";
    private bool _autoResumed;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        activity.OnServerDeactivated(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activity.OnServerActivated(this.GetPrimaryKeyString());
        if (!siloOptions.ResumeRunningExperiments || !state.RecordExists || state.State.Status != ExperimentStatus.Running) return;
        ExperimentState s = state.State;
        var spec = new ExperimentSpec(s.ExperimentId, s.ConfigJson, s.DataDir) { OutputDirectory = s.OutputDirectory };
        try
        {
            await ResumeAsync(new ResumeRequest(spec, s.TotalRounds, [], null, 0));
            _autoResumed = true;
            LogTakenOver(logger, s.ExperimentId, s.RoundCompleted);
        }
        catch (Exception e)
        {
            // Answer status calls with the reason rather than failing every activation.
            _status = ExperimentStatus.Failed;
            _error = $"could not continue after a restart: {e.Message}";
            LogFailed(logger, e, s.ExperimentId, s.RoundCompleted + 1);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation itself resumed a running experiment; a reminder that outlived it goes away.
        if (_status is ExperimentStatus.Finished or ExperimentStatus.Paused or ExperimentStatus.Failed
            || (_status == ExperimentStatus.NotStarted && (!state.RecordExists || state.State.Status != ExperimentStatus.Running)))
            await UnregisterKeepAliveAsync();
    }

    private async Task RegisterKeepAliveAsync()
    {
        if (siloOptions.ResumeRunningExperiments)
            await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    private async Task UnregisterKeepAliveAsync()
    {
        if (!siloOptions.ResumeRunningExperiments) return;
        try
        {
            if (await this.GetReminder(KeepAliveReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogReminderFailed(logger, e, this.GetPrimaryKeyString());
        }
    }

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
            DataDir = spec.DataDir,
        };
        Publish();
        // Round 0 (the initial weights) is committed before round 1 runs, so a crash at any later
        // moment has a committed round to resume from.
        await CommitAsync(0, ExperimentStatus.Running);
        _status = ExperimentStatus.Running;
        await RegisterKeepAliveAsync();
        LogStarted(logger, spec.ExperimentId, _totalRounds, context.Data.Population, context.Layout.ParameterCount);
        ScheduleRounds();
    }

    public async Task ResumeAsync(ResumeRequest request)
    {
        ExperimentSpec spec = request.Spec;
        string id = spec.ExperimentId;
        if (_status == ExperimentStatus.Running && _autoResumed && request.ForkSource is null && request.ForcedChanges.Count == 0
            && request.TotalRounds == _totalRounds && request.Spec.ConfigJson == _spec?.ConfigJson)
            return; // the cluster already continued it after a restart: this resume just attaches
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
        s.DataDir = spec.DataDir;
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
        if (!done)
        {
            await RegisterKeepAliveAsync();
            ScheduleRounds();
        }
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

    public Task<Immutable<byte[]>> GetModelAsync(long version)
    {
        if (!_versions.TryGetValue(version, out byte[]? weights))
            throw new ArgumentOutOfRangeException(nameof(version), $"model version {version} is not held (current {_version})");
        // This silo's model cache gets each version from Publish, so every call here is another
        // silo's cache filling: the model bytes that cross the wire.
        _modelBytesServed += weights.Length;
        return Task.FromResult(weights.AsImmutable());
    }

    private long _modelBytesServed;

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
            if (finished || pause) await UnregisterKeepAliveAsync();
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
            if (!_storageFailure)
            {
                await TryRecordFailureAsync();
                await UnregisterKeepAliveAsync();
            }
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

        long[] cohort = CohortSampler.Sample(context.Data.Population, config.Server.ClientsPerRound, config.Experiment.Seed, round);
        int clusterTrainers = await ClusterTrainersAsync();
        bool foldOnSilos = !_strategy.NeedsIndividualUpdates
            && (config.Server.Aggregation == "silo" || (config.Server.Aggregation == "auto" && _clusterSilos > 1));
        var request = new TrainRequest(context.ExperimentId, round, _version, config.Experiment.Seed) { FoldOnSilo = foldOnSilos };
        var tally = new RoundTally();
        _aggregate.Reset();
        long modelBytesBefore = _modelBytesServed;
        var round_ = new RoundCollection();

        int window = config.Server.MaxInFlight > 0 ? config.Server.MaxInFlight : 4 * clusterTrainers;
        await TrainAllAsync(cohort, request, config.Server.MaxRetries, window, tally, round_, crashAtHalf: true);

        // One partial aggregate per silo; a partial that does not hold exactly the clients that
        // silo reported (a silo lost, or a retried call that also finished there) is dropped and
        // its clients are trained again with their updates sent here: each client counts once.
        long? aliveAfter = null;
        foreach (var (silo, expected) in round_.BySilo)
        {
            _silosUsed.Add(silo);
            PartialAggregate? partial = await TakePartialAsync(silo, request);
            if (partial is not null && partial.ClientIds.Length == expected.Count && partial.ClientIds.All(expected.Contains))
            {
                _aggregate.Add(FixedPointAccumulator.FromState(MemoryMarshal.Cast<byte, long>(partial.Sums), partial.WeightSum, partial.ClientIds.Length, partial.FractionBits));
                tally.Merge(partial.ClientIds.Length, partial.LossSum, partial.LossWeight, partial.LossCount);
                round_.UpdateBytes += partial.Sums.Length + sizeof(long) * partial.ClientIds.Length;
                round_.SiloClients[SiloLabel(silo)] = expected.Count;
                aliveAfter = (aliveAfter ?? 0) + partial.ClientGrainsActive;
            }
            else
            {
                LogPartialDropped(logger, context.ExperimentId, round, silo, expected.Count, partial?.ClientIds.Length ?? -1);
                tally.Retries += expected.Count;
                var direct = new RoundCollection();
                await TrainAllAsync([.. expected.Order()], request with { FoldOnSilo = false }, config.Server.MaxRetries, window, tally, direct, crashAtHalf: false);
                round_.UpdateBytes += direct.UpdateBytes;
                foreach (var (label, n) in direct.SiloClients) round_.SiloClients[label] = round_.SiloClients.GetValueOrDefault(label) + n;
            }
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
            Activations = tally.Activations,
            AliveAfter = aliveAfter ?? activity.AliveOf(context.ExperimentId),
            ModelBytesToSilos = _modelBytesServed - modelBytesBefore,
            UpdateBytesToServer = round_.UpdateBytes,
            SiloClients = round_.SiloClients,
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

    /// <summary>Runs training calls for <paramref name="clients"/> with a bounded window in flight and takes each reply as it arrives.</summary>
    private async Task TrainAllAsync(long[] clients, TrainRequest request, int maxRetries, int window, RoundTally tally, RoundCollection collection, bool crashAtHalf)
    {
        var pending = new List<Task<TrainResult>>(window);
        int next = 0, taken = 0;
        while (next < clients.Length || pending.Count > 0)
        {
            while (pending.Count < window && next < clients.Length)
                pending.Add(TrainWithRetriesAsync(clients[next++], request, maxRetries, tally));
            Task<TrainResult> done = await Task.WhenAny(pending);
            pending.Remove(done);
            Take(await done, request, tally, collection);
            if (crashAtHalf && ++taken == (clients.Length + 1) / 2) CrashPoints.Check(request.Round, "train");
        }
    }

    private int _clusterTrainers;
    private int _clusterSilos = 1;
    private long _clusterTrainersAt;

    /// <summary>
    /// Trainers across the cluster's active silos (the default in-flight window is 4 × this), asked
    /// of each silo's agent at most every 10 s; a single silo answers from its own pool.
    /// </summary>
    private async Task<int> ClusterTrainersAsync()
    {
        if (_clusterTrainers > 0 && Stopwatch.GetElapsedTime(_clusterTrainersAt) < TimeSpan.FromSeconds(10)) return _clusterTrainers;
        int total = trainers.Trainers;
        try
        {
            Dictionary<SiloAddress, SiloStatus> hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            _clusterSilos = Math.Max(1, hosts.Count);
            if (hosts.Count > 1)
            {
                SiloInfo[] silos = await Task.WhenAll(hosts.Keys.Select(h => GrainFactory.GetGrain<ISiloAgentGrain>(h.ToParsableString()).GetInfoAsync()));
                total = Math.Max(1, silos.Sum(i => i.Trainers));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A silo leaving mid-question: keep the last answer (or this silo's own) until the next one.
            if (_clusterTrainers > 0) total = _clusterTrainers;
        }
        _clusterTrainers = total;
        _clusterTrainersAt = Stopwatch.GetTimestamp();
        return total;
    }

    /// <summary>How long calls may keep failing because a silo is unreachable (while the cluster notices it left) before they count as retries.</summary>
    private static readonly TimeSpan s_unreachableBudget = TimeSpan.FromMinutes(2);

    private async Task<TrainResult> TrainWithRetriesAsync(long client, TrainRequest request, int maxRetries, RoundTally tally)
    {
        var grain = ClientReference(client, request.ExperimentId);
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0, unreachable = 0; ; attempt++)
        {
            try
            {
                return await grain.TrainAsync(request);
            }
            catch (Exception e) when (IsUnreachable(e) && Stopwatch.GetElapsedTime(started) < s_unreachableBudget)
            {
                // The client's silo is gone or going: the cluster re-places the grain once membership
                // declares the silo dead (seconds). Such failures do not use up the retries.
                tally.Retries++;
                LogRetry(logger, e, request.ExperimentId, request.Round, client, attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Min(unreachable++, 5))));
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

    private static bool IsUnreachable(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or ConnectionFailedException
        || (e.InnerException is { } inner && IsUnreachable(inner));

    private void Take(TrainResult result, TrainRequest request, RoundTally tally, RoundCollection collection)
    {
        if (result.Activated) tally.Activations++;
        if (result.FoldedOn is string silo)
        {
            collection.Expect(silo, result.ClientId);
            return;
        }
        if (result.Rejected is string reason)
        {
            tally.Rejected++;
            LogRejected(logger, request.ExperimentId, request.Round, result.ClientId, reason);
            return;
        }
        if (result.Payload is null || result.SampleCount == 0) return;
        try
        {
            collection.UpdateBytes += result.Payload.Length;
            collection.SiloClients[LocalLabel] = collection.SiloClients.GetValueOrDefault(LocalLabel) + 1;
            FoldStatus status = UpdateFold.Fold(result.Payload, result.ClientId, request.Round, request.ModelVersion, _strategy, _aggregate, tally);
            if (status != FoldStatus.Folded) LogRejected(logger, request.ExperimentId, request.Round, result.ClientId, status.ToString());
        }
        finally
        {
            payloads.Return(result.Payload);
        }
    }

    /// <summary>Individual updates are counted under "direct": which silo trained them is not reported back.</summary>
    private const string LocalLabel = "direct";

    private async Task<PartialAggregate?> TakePartialAsync(string silo, TrainRequest request)
    {
        try
        {
            return await GrainFactory.GetGrain<ISiloAgentGrain>(silo).TakePartialAsync(request.ExperimentId, request.Round, request.ModelVersion);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPartialFailed(logger, e, request.ExperimentId, request.Round, silo);
            return null;
        }
    }

    /// <summary>"127.0.0.1:11111" for "127.0.0.1:11111@123456789" (the silo's generation is noise in metrics).</summary>
    private static string SiloLabel(string siloAddress) =>
        siloAddress.IndexOf('@') is int at and >= 0 ? siloAddress[..at] : siloAddress;

    /// <summary>A round's replies: which clients each silo folded, and the bytes that reached this grain.</summary>
    private sealed class RoundCollection
    {
        public Dictionary<string, HashSet<long>> BySilo { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, int> SiloClients { get; } = new(StringComparer.Ordinal);
        public long UpdateBytes;

        public void Expect(string silo, long client)
        {
            if (!BySilo.TryGetValue(silo, out var clients)) BySilo[silo] = clients = [];
            clients.Add(client);
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
        // The other silos that trained clients hold the data and weights too; tell them (best effort:
        // a silo that is gone has nothing to release).
        foreach (string silo in _silosUsed)
            _ = ReleaseOnSiloAsync(silo, id);
        _silosUsed.Clear();
    }

    private readonly HashSet<string> _silosUsed = new(StringComparer.Ordinal);

    private async Task ReleaseOnSiloAsync(string silo, string id)
    {
        try
        {
            await GrainFactory.GetGrain<ISiloAgentGrain>(silo).ReleaseAsync(id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPartialFailed(logger, e, id, _round, silo);
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} started: {Rounds} rounds, {Clients} clients, {Parameters} parameters")]
    private static partial void LogStarted(ILogger logger, string experimentId, int rounds, long clients, int parameters);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ExperimentId} round {Round} aggregated {Clients} updates, train loss {Loss}")]
    private static partial void LogRound(ILogger logger, string experimentId, int round, int clients, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} finished after {Rounds} rounds, model {Sha256}")]
    private static partial void LogFinished(ILogger logger, string experimentId, int rounds, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} resumed after round {Round} of {Rounds}")]
    private static partial void LogResumed(ILogger logger, string experimentId, int round, int rounds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ExperimentId} continues on this silo after round {Round} (its previous silo stopped)")]
    private static partial void LogTakenOver(ILogger logger, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: could not remove the keep-alive reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string experimentId);

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
    private static partial void LogRejected(ILogger logger, string experimentId, int round, long client, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: the partial aggregate of silo {Silo} is unusable ({Expected} clients reported, {Held} held; -1 = none); training those clients again")]
    private static partial void LogPartialDropped(ILogger logger, string experimentId, int round, string silo, int expected, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId} round {Round}: could not collect the partial aggregate of silo {Silo}")]
    private static partial void LogPartialFailed(ILogger logger, Exception exception, string experimentId, int round, string silo);
}
