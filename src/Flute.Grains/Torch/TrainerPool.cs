using System.Collections.Concurrent;
using TorchSharp;

namespace Flute.Grains.Torch;

/// <summary>
/// The silo's trainers: <see cref="TrainerPoolOptions.Trainers"/> dedicated background OS threads
/// ("flute-trainer-i") pulling jobs from one shared queue. Every torch operation — model construction,
/// training, evaluation — runs on these threads, each with a fixed intra-op thread count set at the start
/// of every job, which together with torch-allocated inputs and no global RNG makes a job's result
/// bitwise identical whichever trainer runs it (DESIGN.md, determinism contract). Each trainer keeps one
/// replica per model spec; a failing job faults only its own task.
/// </summary>
public sealed class TrainerPool : IDisposable
{
    private readonly BlockingCollection<TrainerWorkItem> queue = new(new ConcurrentQueue<TrainerWorkItem>());
    private readonly ConcurrentDictionary<ModelSpec, ModelLayout> layouts = new();
    private readonly Thread[] threads;
    private readonly int threadsPerTrainer;
    private int disposed;

    public TrainerPool(TrainerPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("weights are exchanged as little-endian float32 by memcpy");
        NativeHeapTuning.Apply();
        threadsPerTrainer = options.ThreadsPerTrainer;
        threads = new Thread[options.Trainers];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(RunTrainer) { IsBackground = true, Name = $"flute-trainer-{i}" };
            threads[i].Start(i);
        }
    }

    public int Trainers => threads.Length;

    public int ThreadsPerTrainer => threadsPerTrainer;

    /// <summary>The parameter layout of a model (built once, on a trainer thread).</summary>
    public Task<ModelLayout> DescribeAsync(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return layouts.TryGetValue(spec, out var layout) ? Task.FromResult(layout) : RunAsync(context => context.Replica(spec).Layout);
    }

    /// <summary>Initial weights, a pure function of (spec, seed); see <see cref="WeightInitializer"/>.</summary>
    public Task<float[]> InitialWeightsAsync(ModelSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RunAsync(context => WeightInitializer.Initialize(context.Replica(spec).Layout, seed));
    }

    /// <summary>
    /// Runs a client's local training and writes its pseudo-gradient into <see cref="TrainJob.PseudoGradient"/>.
    /// A client without samples gets a zero pseudo-gradient and costs no torch work.
    /// </summary>
    public Task<TrainOutcome> TrainAsync(TrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Indices.Length == 0
            ? TrainEmptyAsync(job)
            : RunAsync(context => LocalSgd.Train(context.Replica(job.Model), job));
    }

    /// <summary>Correct predictions and summed loss of the weights on a range of a data set.</summary>
    public Task<EvalOutcome> EvaluateAsync(EvalJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RunAsync(context => Evaluation.Evaluate(context.Replica(job.Model), job));
    }

    /// <summary>Runs <paramref name="work"/> on a trainer thread, after setting its torch thread count.</summary>
    internal Task<T> RunAsync<T>(Func<TrainerContext, T> work)
    {
        var item = new TrainerWorkItem<T>(work);
        try
        {
            queue.Add(item);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(TrainerPool));
        }
        return item.Task;
    }

    /// <summary>Finishes the queued jobs, then stops the trainers and frees their replicas.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        queue.CompleteAdding();
        foreach (var thread in threads)
            if (thread != Thread.CurrentThread) thread.Join();
    }

    private async Task<TrainOutcome> TrainEmptyAsync(TrainJob job)
    {
        var layout = await DescribeAsync(job.Model).ConfigureAwait(false);
        if (job.PseudoGradient.Length != layout.ByteCount)
            throw new ArgumentException($"pseudo-gradient buffer has {job.PseudoGradient.Length} bytes; model {job.Model} needs {layout.ByteCount}");
        job.PseudoGradient.Span.Clear();
        return new TrainOutcome(0, 0, 0);
    }

    private void RunTrainer(object? state)
    {
        using var context = new TrainerContext((int)state!, (spec, layout) => layouts.TryAdd(spec, layout));
        foreach (var item in queue.GetConsumingEnumerable())
            item.Execute(context, threadsPerTrainer);
    }
}
