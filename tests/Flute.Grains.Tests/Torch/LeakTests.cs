using Flute.Grains.Torch;
using TorchSharp;

namespace Flute.Grains.Tests.Torch;

public sealed class LeakTests
{
    [Fact]
    public async Task LiveTensorCountIsFlatAcross1000TrainingSteps()
    {
        using var pool = new TrainerPool(new TrainerPoolOptions(1, 1));
        var spec = new ModelSpec("mlp", [2], 2, Hidden: 8);
        var data = TorchTestData.Separable(1000);
        byte[] global = await TorchTestData.InitialBytesAsync(pool, spec);
        // 103 samples in batches of 10: ten full steps and one short (narrowed) step per epoch.
        var settings = new TrainSettings(0.1, 10, 1, 0);
        int[] indices = TorchTestData.Range(103);
        await pool.TrainAsync(TorchTestData.Job(spec, global, data, indices, settings));
        await pool.EvaluateAsync(new EvalJob(spec, global, data, 0, 95, 10));
        long before = await pool.RunAsync(_ => DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        int steps = 0;
        while (steps < 1000)
        {
            steps += (await pool.TrainAsync(TorchTestData.Job(spec, global, data, indices, settings, orderKey: (ulong)steps))).Steps;
            await pool.EvaluateAsync(new EvalJob(spec, global, data, 0, 95, 10));
        }
        long after = await pool.RunAsync(_ => DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        Assert.True(steps >= 1000);
        Assert.Equal(before, after);
    }
}
