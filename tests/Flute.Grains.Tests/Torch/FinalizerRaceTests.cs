using Flute.Core.Strategies;
using Flute.Grains.Torch;
using Flute.Grains.Torch.Optimizers;

namespace Flute.Grains.Tests.Torch;

/// <summary>
/// Local training while another thread forces garbage collections and runs finalizers without pause.
/// A TorchSharp Scalar or tensor wrapper that nothing keeps alive during a native call is freed by its
/// finalizer mid-call under this load (see NativeScalars): before the fix, Adam's <c>add_(eps)</c> failed
/// here within a second with libtorch's "Expected false to be true" from <c>Scalar::toFloat</c>, the
/// error CI saw once in the LSTM test. Every client-side path that hands libtorch a Scalar runs:
/// Adam, SGD with momentum and weight decay, gradient clipping, FedProx's term, SCAFFOLD's correction.
/// </summary>
public sealed class FinalizerRaceTests : IDisposable
{
    private static readonly ModelSpec Mlp = new("mlp", [2], 2, Hidden: 16);

    private readonly TrainerPool pool = new(new TrainerPoolOptions(2, 1));

    public void Dispose() => pool.Dispose();

    public static TheoryData<string> Paths() => ["adam", "sgd", "fedprox", "scaffold"];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Training_under_constant_finalization_fails_nowhere_and_repeats_its_bits(string path)
    {
        // Arrange
        var data = TorchTestData.Separable(256);
        byte[] global = await TorchTestData.InitialBytesAsync(pool, Mlp);
        var optimizer = path == "adam"
            ? new ClientOptimizerSettings("adam", WeightDecay: 1e-4)
            : new ClientOptimizerSettings("sgd", Momentum: 0.9, WeightDecay: 1e-4);
        var settings = new TrainSettings(0.01, 8, 1, 0, optimizer, MaxGradNorm: 0.5);
        float[] correction = Enumerable.Range(0, global.Length / sizeof(float)).Select(i => 0.001f * (i % 7 - 3)).ToArray();
        TrainJob Job() => path switch
        {
            "fedprox" => TorchTestData.Job(Mlp, global, data, TorchTestData.Range(256), settings) with
                { Instructions = new ClientInstructions(ProximalMu: 0.1f) },
            "scaffold" => TorchTestData.Job(Mlp, global, data, TorchTestData.Range(256), settings) with
                { Instructions = new Scaffold(10).ConfigureRound(1), GradientCorrection = correction },
            _ => TorchTestData.Job(Mlp, global, data, TorchTestData.Range(256), settings),
        };
        var quiet = Job();
        await pool.TrainAsync(quiet);

        // Act: two trainers train 32-step jobs for two seconds while a thread collects without pause.
        using var stop = new CancellationTokenSource();
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        hammer.Start();
        var jobs = new List<TrainJob>();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(2))
            {
                TrainJob a = Job(), b = Job();
                await Task.WhenAll(pool.TrainAsync(a), pool.TrainAsync(b));
                jobs.Add(a);
                jobs.Add(b);
            }
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
        }

        // Assert: no native error surfaced, and every job gave the quiet run's bytes.
        Assert.True(jobs.Count >= 4, $"only {jobs.Count} jobs ran");
        foreach (var job in jobs) Assert.Equal(quiet.PseudoGradient.ToArray(), job.PseudoGradient.ToArray());
    }
}
