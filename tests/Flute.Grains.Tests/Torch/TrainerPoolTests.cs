using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class TrainerPoolTests
{
    [Fact]
    public async Task JobsRunOnNamedTrainerThreadsWithTheConfiguredTorchThreads()
    {
        using var pool = new TrainerPool(new TrainerPoolOptions(2, 1));

        var seen = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => pool.RunAsync(_ =>
        {
            Thread.Sleep(5);
            return (Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground, TorchSharp.torch.get_num_threads());
        })));

        Assert.Equal(2, pool.Trainers);
        Assert.All(seen, s => Assert.True(s.IsBackground));
        Assert.All(seen, s => Assert.Equal(1, s.Item3));
        Assert.Subset(new HashSet<string?> { "flute-trainer-0", "flute-trainer-1" }, seen.Select(s => s.Name).ToHashSet());
    }

    [Fact]
    public async Task ADisposedPoolRejectsJobs()
    {
        var pool = new TrainerPool(new TrainerPoolOptions(1, 1));
        await pool.DescribeAsync(new ModelSpec("logreg", [2], 2));

        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => { _ = pool.DescribeAsync(new ModelSpec("mlp", [2], 2)); });
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void InvalidOptionsAreRejected(int trainers, int threads)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerPool(new TrainerPoolOptions(trainers, threads)));
    }
}
