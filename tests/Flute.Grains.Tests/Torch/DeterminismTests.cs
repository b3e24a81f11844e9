using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>DESIGN.md's determinism contract: a job's pseudo-gradient is the same bytes whichever trainer runs it, whatever runs beside it.</summary>
public sealed class DeterminismTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn-small")]
    public async Task SameJobGivesSameBytesOnOneOrTwoTrainers(string model)
    {
        var spec = new ModelSpec(model, [1, 28, 28], 10, Hidden: 64);
        var data = TorchTestData.RandomImages(96, [1, 28, 28], 10);
        var settings = new TrainSettings(0.05, 16, 2, 0);
        int[] clientA = TorchTestData.Range(50), clientB = [.. Enumerable.Range(40, 56)];

        byte[] alone1, alone2;
        var concurrent = new List<(TrainJob A, TrainJob B)>();
        using (var one = new TrainerPool(new TrainerPoolOptions(1, 1)))
        {
            byte[] global = await TorchTestData.InitialBytesAsync(one, spec);
            var first = TorchTestData.Job(spec, global, data, clientA, settings, orderKey: 3);
            var second = TorchTestData.Job(spec, global, data, clientA, settings, orderKey: 3);
            await one.TrainAsync(first);
            await one.TrainAsync(second);
            alone1 = first.PseudoGradient.ToArray();
            alone2 = second.PseudoGradient.ToArray();

            using var two = new TrainerPool(new TrainerPoolOptions(2, 1));
            var tasks = new List<Task>();
            for (int i = 0; i < 3; i++)
            {
                var a = TorchTestData.Job(spec, global, data, clientA, settings, orderKey: 3);
                var b = TorchTestData.Job(spec, global, data, clientB, settings, orderKey: 4);
                concurrent.Add((a, b));
                tasks.Add(two.TrainAsync(a));
                tasks.Add(two.TrainAsync(b));
            }
            await Task.WhenAll(tasks);
        }

        Assert.Contains(alone1, b => b != 0);
        Assert.Equal(alone1, alone2);
        foreach (var (a, b) in concurrent)
        {
            Assert.Equal(alone1, a.PseudoGradient.ToArray());
            Assert.Equal(concurrent[0].B.PseudoGradient.ToArray(), b.PseudoGradient.ToArray());
        }
        Assert.NotEqual(alone1, concurrent[0].B.PseudoGradient.ToArray());
    }

    [Fact]
    public async Task EvaluationIsTheSameOnEveryTrainer()
    {
        var spec = new ModelSpec("cnn-small", [1, 28, 28], 10);
        var data = TorchTestData.RandomImages(50, [1, 28, 28], 10);
        using var one = new TrainerPool(new TrainerPoolOptions(1, 1));
        using var two = new TrainerPool(new TrainerPoolOptions(2, 1));
        byte[] weights = await TorchTestData.InitialBytesAsync(one, spec);

        var expected = await one.EvaluateAsync(new EvalJob(spec, weights, data, 0, 50, 16));
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => two.EvaluateAsync(new EvalJob(spec, weights, data, 0, 50, 16))));

        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
