using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Core.Sampling;
using Flute.Core.Schedules;
using Flute.Core.ServerOptimizers;
using Flute.Core.Strategies;
using Flute.Grains.Torch;
using Flute.Grains.Torch.Optimizers;
using TorchSharp;

namespace Flute.Client.Bench;

/// <summary>
/// The overhead benchmark's baseline: the same rounds as an experiment (same cohorts, same data
/// orders, same per-job training routine, same trainer and torch thread counts, same server step)
/// with nothing around them — no grains, no serialization, no fixed point, no progress output.
/// Trainers are dedicated threads, each with its own replica and its own float partial sum of the
/// sample-weighted pseudo-gradients; the coordinating thread never runs a torch op.
/// </summary>
internal sealed class BareFedAvgLoop : IDisposable
{
    private readonly FluteConfig _config;
    private readonly FederatedData _data;
    private readonly ModelSpec _model;
    private readonly int _threadsPerTrainer;
    private readonly Thread[] _threads;
    private readonly Barrier _barrier;
    private readonly Worker[] _workers;
    private readonly ModelLayout _layout;

    // Round state, written by the coordinator between barrier phases and only read by workers.
    private byte[] _global = [];
    private long[] _cohort = [];
    private int _round;
    private int _next;
    private bool _stopping;

    public BareFedAvgLoop(FluteConfig config, FederatedData data, ModelSpec model, int trainers, int threadsPerTrainer)
    {
        _config = config;
        _data = data;
        _model = model;
        _threadsPerTrainer = threadsPerTrainer;
        _workers = new Worker[trainers];
        _threads = new Thread[trainers];
        // Workers plus the coordinator: one phase starts a round, the next ends it.
        _barrier = new Barrier(trainers + 1);
        using var ready = new CountdownEvent(trainers);
        for (int i = 0; i < trainers; i++)
        {
            var worker = new Worker(this, ready);
            _workers[i] = worker;
            _threads[i] = new Thread(worker.Run) { IsBackground = true, Name = $"bare-trainer-{i}" };
            _threads[i].Start();
        }
        ready.Wait();
        if (Array.Find(_workers, w => w.Failure is not null) is { Failure: { } failure })
        {
            // Failed workers left the barrier; release the others and wait for them.
            Dispose();
            throw new InvalidOperationException($"bare loop: building model {model} failed: {failure.Message}", failure);
        }
        _layout = _workers[0].Layout!;
    }

    public int ParameterCount => _layout.ParameterCount;

    /// <summary>
    /// Runs all rounds from the experiment's initial weights. Returns the seconds from the first
    /// round's cohort draw to the last round's server step, the final weights, and the SGD steps taken.
    /// </summary>
    public (double Seconds, float[] Weights, long Steps) Run()
    {
        int rounds = _config.Experiment.Rounds;
        ulong seed = _config.Experiment.Seed;
        IStrategy strategy = StrategyRegistry.Create(_config);
        // The bare loop is plain local SGD folded into a weighted sum: anything else would not be the same work.
        if (strategy.Aggregator != AggregatorKind.WeightedSum || !strategy.ConfigureRound(1).IsNone)
            throw new NotSupportedException($"bench overhead compares weighted-sum strategies with plain local training; server.strategy '{strategy.Name}' is not one");
        ServerStep serverStep = ServerStep.From(_config);
        float[] weights = _workers[0].InitialWeights!;
        var mean = new float[weights.Length];
        _global = new byte[_layout.ByteCount];
        MemoryMarshal.AsBytes(weights.AsSpan()).CopyTo(_global);
        Span<float> global = MemoryMarshal.Cast<byte, float>(_global.AsSpan());
        foreach (var worker in _workers) worker.Prepare(strategy, _layout);

        long steps = 0;
        long started = Stopwatch.GetTimestamp();
        for (int round = 1; round <= rounds; round++)
        {
            _cohort = CohortSampler.Sample(_data.ClientCount, _config.Server.ClientsPerRound, seed, round);
            _round = round;
            _next = 0;
            _barrier.SignalAndWait();
            _barrier.SignalAndWait();

            double totalWeight = 0;
            mean.AsSpan().Clear();
            foreach (var worker in _workers)
            {
                if (worker.Failure is { } failure) throw new InvalidOperationException($"bare loop round {round}: {failure.Message}", failure);
                if (worker.Weight == 0) continue;
                TensorPrimitives.Add(mean, worker.Sum, mean);
                totalWeight += worker.Weight;
                steps += worker.Steps;
            }
            if (totalWeight > 0)
            {
                TensorPrimitives.Multiply(mean, (float)(1 / totalWeight), mean);
                serverStep.Apply(global, mean, round);
            }
        }
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (seconds, global.ToArray(), steps);
    }

    public void Dispose()
    {
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var thread in _threads) thread.Join();
        _barrier.Dispose();
    }

    /// <summary>One trainer thread: its replica, its pseudo-gradient buffer and its partial sum.</summary>
    private sealed class Worker(BareFedAvgLoop owner, CountdownEvent ready)
    {
        private IStrategy _strategy = null!;
        private byte[] _pseudoGradient = [];

        public ModelLayout? Layout { get; private set; }
        public float[]? InitialWeights { get; private set; }
        public Exception? Failure { get; private set; }
        public float[] Sum { get; private set; } = [];
        public double Weight { get; private set; }
        public long Steps { get; private set; }

        public void Prepare(IStrategy strategy, ModelLayout layout)
        {
            _strategy = strategy;
            if (_pseudoGradient.Length != layout.ByteCount) _pseudoGradient = new byte[layout.ByteCount];
            if (Sum.Length != layout.ParameterCount) Sum = new float[layout.ParameterCount];
        }

        public void Run()
        {
            // Per OS thread, before this thread's first torch op (DESIGN.md).
            torch.set_num_threads(owner._threadsPerTrainer);
            StandaloneTrainer replica;
            try
            {
                replica = StandaloneTrainer.Create(owner._model);
                Layout = replica.Layout;
                InitialWeights = replica.InitialWeights(owner._config.Experiment.Seed);
            }
            catch (Exception e)
            {
                Failure = e;
                owner._barrier.RemoveParticipant();
                ready.Signal();
                return;
            }
            ready.Signal();
            using (replica)
            {
                while (true)
                {
                    owner._barrier.SignalAndWait();
                    if (owner._stopping) return;
                    try
                    {
                        TrainRound(replica);
                    }
                    catch (Exception e)
                    {
                        Failure = e;
                    }
                    owner._barrier.SignalAndWait();
                }
            }
        }

        private void TrainRound(StandaloneTrainer replica)
        {
            var config = owner._config;
            // The round's work as the client grains do it: the scheduled rate, the configured optimizer and clipping.
            var settings = new TrainSettings(LearningRateSchedule.ForClient(config).At(owner._round), config.Client.BatchSize,
                config.Client.LocalEpochs, config.Client.MaxSamples, ClientOptimizerSettings.From(config.Client), config.Client.MaxGradNorm);
            Sum.AsSpan().Clear();
            Weight = 0;
            Steps = 0;
            long[] cohort = owner._cohort;
            ReadOnlySpan<float> update = MemoryMarshal.Cast<byte, float>(_pseudoGradient.AsSpan());
            for (int slot = Interlocked.Increment(ref owner._next) - 1; slot < cohort.Length; slot = Interlocked.Increment(ref owner._next) - 1)
            {
                long client = cohort[slot];
                int[] indices = owner._data.Clients[client];
                if (indices.Length == 0) continue;
                var job = new TrainJob(owner._model, owner._global, owner._data.Train, indices, settings,
                    DeterministicRandom.DeriveKey(config.Experiment.Seed, StreamPurpose.DataOrder, owner._round, client), _pseudoGradient);
                TrainOutcome outcome = replica.Train(job);
                float weight = (float)_strategy.ClientWeight(new ClientUpdateInfo(outcome.SampleCount, outcome.MeanLoss));
                TensorPrimitives.MultiplyAdd(update, weight, Sum, Sum);
                Weight += weight;
                Steps += outcome.Steps;
            }
        }
    }
}
