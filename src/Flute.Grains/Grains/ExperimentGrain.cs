using System.Diagnostics;
using Flute.Core.Aggregation;
using Flute.Core.Attacks;
using Flute.Core.Codecs;
using Flute.Core.Configuration;
using Flute.Core.Heterogeneity;
using Flute.Core.Persistence;
using Flute.Core.Privacy;
using Flute.Core.Sampling;
using Flute.Core.ServerOptimizers;
using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;
using Flute.Grains.Hosting;
using Flute.Grains.Rounds;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Grains.Torch;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Flute.Grains.Grains;

/// <summary>
/// Runs one experiment, one round per timer tick (a grain call never spans the experiment, so
/// status queries are answered between and during rounds). The grain holds the lifecycle (start,
/// resume, pause, reminders) and reads a round top to bottom (<see cref="RunOneRoundAsync"/>): sample
/// the cohort from a seeded stream; let the strategy configure the round; train it
/// (<see cref="RoundRunner"/>: fan-out window, retries, per-silo partials) into the
/// <see cref="RoundAggregator"/> the strategy asked for; finish the pseudo-gradient and take the server
/// step; publish the new version (<see cref="ModelServer"/>); evaluate on cadence
/// (<see cref="RoundEvaluator"/>); and commit the round (<see cref="RoundCommitter"/>,
/// docs/persistence.md) with the optimizer's and the strategy's state. A crash at any point resumes
/// from the last commit and, since every random stream is a function of (seed, round, client), ends
/// with the same model bits as an uninterrupted run.
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
    CrashPoints crashPoints,
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

    private readonly RoundCommitter _committer = new(state, store, crashPoints, logger);
    private RoundRunner? _runner;
    private ClusterView? _cluster;
    private RoundEvaluator? _evaluator;
    private ClientEvaluator? _clientEvaluator;
    private ModelServer? _server;
    private RoundClock? _clock;
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
    private ServerStep _serverStep = null!;
    private RoundAggregator _aggregator = null!;
    /// <summary>Encoded bytes of one client's update under client.codec (the metric client_update_bytes per client).</summary>
    private int _updateEncodedBytes;
    private float[] _weights = [];
    private float[] _step = [];
    private long _version;
    private int _round;
    private readonly List<RoundMetrics> _metrics = [];
    private readonly HashSet<string> _silosUsed = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;
    private long _roundsStartTicks;
    private double _evalSecondsTotal;
    private double _roundsSeconds;

    private RoundRunner Runner => _runner ??= new RoundRunner(GrainFactory, payloads, crashPoints, logger);
    private ClusterView Cluster => _cluster ??= new ClusterView(GrainFactory, trainers);
    private RoundEvaluator Evaluator => _evaluator ??= new RoundEvaluator(GrainFactory, trainers);
    private ClientEvaluator ClientEvaluations => _clientEvaluator ??= new ClientEvaluator(GrainFactory);

    /// <summary>Every client id, for server.client_eval all (meant for small populations).</summary>
    private static long[] AllClients(long population)
    {
        var all = new long[population];
        for (long c = 0; c < population; c++) all[c] = c;
        return all;
    }
    private ModelServer Server => _server ??= new ModelServer(this.GetPrimaryKeyString(), models);

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
        // The silo's context may outlive an earlier run of this id: a new experiment starts from no state.
        _strategy.ImportState(null);
        _weights = await trainers.InitialWeightsAsync(context.Model, config.Experiment.Seed);
        _step = new float[_weights.Length];
        state.State = new ExperimentState
        {
            ExperimentId = spec.ExperimentId,
            ConfigJson = spec.ConfigJson,
            ConfigResultHash = ConfigJson.ResultHash(config),
            OutputDirectory = spec.OutputDirectory,
            DataDir = spec.DataDir,
            Fingerprint = spec.Fingerprint,
        };
        Server.Publish(_version, _weights, _strategy.VersionState.Span);
        // Round 0's metrics are the initial model's evaluation, so every run shows what training
        // improved on. Evaluation reads the published weights and changes no bits.
        RoundMetrics initial = await EvaluateInitialModelAsync(context);
        _metrics.Add(_clock is null ? initial : initial with { VirtualSeconds = 0, VirtualTime = 0 });
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
        if (_committer.Writer is null)
            throw new InvalidOperationException($"experiment '{id}' cannot be resumed: persistence is off (storage.provider none keeps nothing)");

        LoadedCheckpoint loaded;
        List<RoundMetrics> history;
        if (request.ForkSource is string source)
        {
            if (state.RecordExists)
                throw new InvalidOperationException($"experiment '{id}' already exists in the store; choose another --id for the new experiment");
            loaded = await _committer.LoadKeptRoundAsync(source, request.ForkRound);
            history = [.. DecodeHistory(loaded).Where(m => m.Round <= request.ForkRound)];
            state.State = new ExperimentState { ExperimentId = id, ForkedFrom = $"{source}@{request.ForkRound}" };
        }
        else
        {
            if (!state.RecordExists)
                throw new InvalidOperationException($"experiment '{id}' is not in the store {store.Location}");
            loaded = await _committer.LoadKeptRoundAsync(id, state.State.RoundCompleted);
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
        _serverStep.Optimizer.ImportState(loaded.OptimizerState);
        _strategy.ImportState(loaded.StrategyState);
        _version = loaded.Record.ModelVersion;
        _round = loaded.Record.RoundCompleted;
        // The same activation may have run this experiment before (a finished run extended on a
        // cluster whose grain stayed active): the checkpoint's history replaces what it remembers.
        _metrics.Clear();
        _metrics.AddRange(history);
        _clock?.Restore(history);
        _committed = _metrics.Count;
        _roundsStartTicks = 0;
        _evalSecondsTotal = 0;
        _resumedFrom = _round;
        _bestRound = state.State.BestRound;
        _bestValue = state.State.BestValue;

        ExperimentState s = state.State;
        s.ConfigJson = spec.ConfigJson;
        s.ConfigResultHash = ConfigJson.ResultHash(config);
        s.OutputDirectory = spec.OutputDirectory;
        s.DataDir = spec.DataDir;
        s.Fingerprint ??= spec.Fingerprint;
        s.Error = null;
        if (request.ForcedChanges.Count > 0)
            s.ConfigBranches.Add($"round {_round}: {string.Join(", ", request.ForcedChanges)}");
        Server.Publish(_version, _weights, _strategy.VersionState.Span);
        bool done = IsLastRound(_round);
        // A stale pause request (from a run that stopped before seeing it) must not stop this one.
        await _committer.ClearPauseRequestAsync(id);
        if (request.ForkSource is not null)
        {
            await CommitAsync(_round, done ? ExperimentStatus.Finished : ExperimentStatus.Running);
        }
        else
        {
            // Blobs of rounds after the last commit (a crash between a round's blobs and its commit)
            // are never read; delete them before those rounds are written again.
            await _committer.PruneAfterResumeAsync(id, _round, config.Storage.SnapshotEvery, _bestRound);
            s.Status = done ? ExperimentStatus.Finished : ExperimentStatus.Running;
            s.TotalRounds = _totalRounds;
            s.UpdatedAtUtc = DateTime.UtcNow;
            await _committer.WriteStateWithRetriesAsync();
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

    /// <summary>
    /// Whether <paramref name="round"/> is the run's last: the target round count, or (DP-FedAvg with
    /// privacy.target_epsilon) the last round whose ε stays within the target.
    /// </summary>
    private bool IsLastRound(int round) =>
        round >= _totalRounds || (_strategy is IPrivacyBudget budget && !budget.WithinBudget(round + 1));

    /// <summary>The experiment's strategy (built once, with the silo's context), its server step (optimizer and learning-rate schedule) and its aggregator.</summary>
    private void Initialize(ExperimentSpec spec, ExperimentContext context, int totalRounds)
    {
        FluteConfig config = context.Config;
        _strategy = context.Strategy;
        _serverStep = ServerStep.From(config);
        _aggregator = new RoundAggregator(_strategy, context.Layout.ParameterCount, ServerAggregatePipeline.From(config), config.Experiment.Seed);
        _clock?.Dispose();
        _clock = RoundClock.From(config);
        // A masked update is one long per value (PairwiseMasks), whatever the codec.
        int updateValues = _strategy.UpdateLength(context.Layout.ParameterCount);
        _updateEncodedBytes = config.Server.SecureAggregation == "on" ? updateValues * sizeof(long) : context.Codec.EncodedSize(updateValues);
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

    public Task<Immutable<byte[]>> GetModelAsync(long version) => Task.FromResult(Server.Get(version));

    private async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (_status != ExperimentStatus.Running || _context is null) return;
        string id = _context.ExperimentId;
        bool computed = false;
        try
        {
            await RunOneRoundAsync(_context);
            computed = true;
            bool finished = IsLastRound(_round);
            bool pause = !finished && (_pauseRequested || await _committer.PauseRequestedAsync(id));
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
                await _committer.ClearPauseRequestAsync(id);
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
            _storageFailure = RoundCommitter.IsStorageFailure(cause);
            _error = _storageFailure
                ? $"storage error: {store.Location}: {Innermost(cause).Message}"
                : cause.Message;
            LogFailed(logger, e, id, computed ? _round : _round + 1);
            if (!_storageFailure)
            {
                await _committer.TryRecordFailureAsync(_error);
                await UnregisterKeepAliveAsync();
            }
        }
    }

    /// <summary>Commits round <paramref name="round"/> (<see cref="RoundCommitter"/>); its metrics are visible afterwards.</summary>
    private async Task CommitAsync(int round, ExperimentStatus status)
    {
        await _committer.CommitAsync(new RoundCommit(
            round, status, _totalRounds, _version, _weights, ModelSha256(),
            _serverStep.Optimizer.ExportState(), _strategy.ExportState(), _metrics,
            _bestRound, _bestValue, _context!.Config.Storage.SnapshotEvery));
        FluteMeter.RecordCommitted(this.GetPrimaryKeyString(), _metrics.Skip(_committed));
        _committed = _metrics.Count;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null && e is not StorageUnavailableException) e = e.InnerException;
        return e;
    }

    private static string Describe(ExperimentStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>One round, top to bottom: cohort, configure, train and aggregate, server step, publish, evaluate, record.</summary>
    private async Task RunOneRoundAsync(ExperimentContext context)
    {
        FluteConfig config = context.Config;
        int round = _round + 1;
        long started = Stopwatch.GetTimestamp();
        if (round == 1 || _roundsStartTicks == 0) _roundsStartTicks = started;

        // With the virtual clock the round is planned before anyone trains: dropouts and updates that
        // would arrive late are never trained (their updates would be discarded anyway).
        (long[] sampled, RoundPlan plan)? clocked = _clock?.PlanRound(context, round);
        long[] cohort = clocked?.plan.Kept ?? RoundCohort.Sample(config, context.Data.Population, round);
        int clusterTrainers = await Cluster.TrainersAsync();
        // Buffered strategies need every update here; only a weighted sum may be folded on silos.
        bool foldOnSilos = !_aggregator.IsBuffered
            && (config.Server.Aggregation == "silo" || (config.Server.Aggregation == "auto" && Cluster.Silos > 1));
        ClientInstructions instructions = _strategy.ConfigureRound(round);
        // Secure aggregation: masks are agreed among everyone sampled, before anyone trains or drops out.
        long[]? maskCohort = config.Server.SecureAggregation == "on" ? clocked?.sampled ?? cohort : null;
        var request = new TrainRequest(context.ExperimentId, round, _version, config.Experiment.Seed)
        {
            FoldOnSilo = foldOnSilos,
            Instructions = instructions.IsNone ? null : new TrainInstructions(instructions.ProximalMu) { ControlVariates = instructions.ControlVariates, ClipNorm = instructions.ClipNorm },
            MaskCohort = maskCohort,
        };
        // Attackers come from (seed, round, client) like the cohort, so a resumed round attacks the same clients.
        AttackOptions attack = AttackOptions.From(config.Attack);
        long[] attackers = attack.IsActive ? AttackerSelection.Choose(config.Experiment.Seed, round, cohort, attack.Fraction) : [];
        RoundAttack? roundAttack = attackers.Length > 0 ? new RoundAttack(attackers.ToHashSet(), new TrainAttack(config.Attack.Type, attack.Scale)) : null;
        _aggregator.Reset(maskCohort is null ? null : new PairwiseMasks(config.Experiment.Seed, round, maskCohort));
        long modelBytesBefore = Server.BytesServed;
        int window = config.Server.MaxInFlight > 0 ? config.Server.MaxInFlight : 4 * clusterTrainers;
        RoundCollection collected = await Runner.RunAsync(cohort, request, window, config.Server.MaxRetries, _aggregator, _silosUsed, roundAttack);
        RoundTally tally = _aggregator.Tally;

        bool stepped = _aggregator.Finish(round, _step);
        if (stepped) _serverStep.Apply(_weights, _step, round);
        // Adaptive clipping moves C after a round that summed updates (state committed with the round).
        ClipAdaptation? clip = stepped && _strategy is DpFedAvg adaptive ? adaptive.AdaptClipNorm(round, tally.Folded, tally.Clipped) : null;
        _version++;
        _round = round;
        Server.Publish(_version, _weights, _strategy.VersionState.Span);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        VersionEvaluation? eval = null;
        ClientAccuracy? clientAccuracy = null, personalizedAccuracy = null;
        int every = config.Server.EvalEvery;
        if (IsLastRound(round) || (every > 0 && round % every == 0))
        {
            eval = await Evaluator.EvaluateVersionAsync(context, _version);
            if (eval is { ValidationAccuracy: double valAccuracy, ValidationLoss: double valLoss })
                TrackBest(round, config.Storage.BestMetric, valAccuracy, valLoss);
            _evalSecondsTotal += eval.Seconds;
            if (config.Server.ClientEval != "none")
            {
                long clientEvalStarted = Stopwatch.GetTimestamp();
                IReadOnlyList<long> evaluated = config.Server.ClientEval == "all" ? AllClients(context.Data.Population) : cohort;
                (clientAccuracy, personalizedAccuracy) = await ClientEvaluations.EvaluateAsync(context, round, _version, evaluated, window);
                double clientEvalSeconds = Stopwatch.GetElapsedTime(clientEvalStarted).TotalSeconds;
                _evalSecondsTotal += clientEvalSeconds;
                eval = eval with { Seconds = eval.Seconds + clientEvalSeconds };
            }
        }
        _roundsSeconds = Stopwatch.GetElapsedTime(_roundsStartTicks).TotalSeconds - _evalSecondsTotal;

        PrivacySpent? spent = _strategy is IPrivacyBudget budget ? budget.SpentAfter(round) : null;
        var metrics = new RoundMetrics(round, clocked?.sampled.Length ?? cohort.Length, tally.Folded, tally.MeanLoss, seconds,
            eval?.Seconds, eval?.TestAccuracy, eval?.TestLoss, tally.Rejected, tally.Retries)
        {
            ValidationAccuracy = eval?.ValidationAccuracy,
            ValidationLoss = eval?.ValidationLoss,
            TestMetrics = eval?.TestMetrics,
            ValidationMetrics = eval?.ValidationMetrics,
            Activations = tally.Activations,
            AliveAfter = collected.AliveAfter ?? activity.AliveOf(context.ExperimentId),
            ModelBytesToSilos = Server.BytesServed - modelBytesBefore,
            UpdateBytesToServer = collected.UpdateBytes,
            ClientUpdateBytes = (long)(tally.Folded + tally.Rejected) * _updateEncodedBytes,
            Epsilon = spent?.Epsilon,
            Delta = spent?.Delta,
            MaskPairsRecovered = maskCohort is null ? null : _aggregator.LeftoverMaskPairs,
            ClipNorm = clip?.ClipNorm,
            ClippedFraction = clip?.ClippedFraction,
            StepSkipped = stepped ? null : true,
            SiloClients = collected.SiloClients,
            Attacked = attack.IsActive ? attackers.Length : null,
            ClientAccuracy = clientAccuracy,
            PersonalizedAccuracy = personalizedAccuracy,
        };
        if (clocked is { } c) metrics = _clock!.Record(metrics, c.plan, _strategy);
        // Visible to GetProgressAsync only once committed (CommitAsync).
        _metrics.Add(metrics);
        LogRound(logger, context.ExperimentId, round, tally.Folded, tally.MeanLoss);
    }

    /// <summary>
    /// Round 0: the initial weights on the test split (and the validation split, which does not take
    /// part in best-round tracking: round 0 has no checkpoint worth keeping). No clients, no training loss.
    /// </summary>
    private async Task<RoundMetrics> EvaluateInitialModelAsync(ExperimentContext context)
    {
        VersionEvaluation eval = await Evaluator.EvaluateVersionAsync(context, _version);
        return new RoundMetrics(0, 0, 0, double.NaN, 0, eval.Seconds, eval.TestAccuracy, eval.TestLoss, 0, 0)
        {
            ValidationAccuracy = eval.ValidationAccuracy,
            ValidationLoss = eval.ValidationLoss,
            TestMetrics = eval.TestMetrics,
            ValidationMetrics = eval.ValidationMetrics,
        };
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

    /// <summary>
    /// A finished or failed experiment trains no more: drop this silo's copy of its data and its
    /// cached weights (the grain keeps its own last versions for <see cref="GetModelAsync"/>).
    /// </summary>
    private void ReleaseSiloCaches()
    {
        string id = this.GetPrimaryKeyString();
        // The trace files stay open while the experiment runs; a resume opens them again.
        _clock?.Dispose();
        _clock = null;
        contexts.Remove(id);
        models.Remove(id);
        ServiceProvider.GetService<MemoryClientStateStore>()?.Remove(id);
        // The other silos that trained clients hold the data and weights too; tell them (best effort:
        // a silo that is gone has nothing to release).
        foreach (string silo in _silosUsed)
            _ = ReleaseOnSiloAsync(silo, id);
        _silosUsed.Clear();
    }

    private async Task ReleaseOnSiloAsync(string silo, string id)
    {
        try
        {
            await GrainFactory.GetGrain<ISiloAgentGrain>(silo).ReleaseAsync(id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogReleaseFailed(logger, e, id, silo);
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "{ExperimentId} failed in round {Round}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string experimentId, int round);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ExperimentId}: could not tell silo {Silo} to release the experiment's data")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string experimentId, string silo);
}
