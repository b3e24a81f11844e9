using Flute.Core.Configuration;
using Flute.Core.Registry;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class ModelLayoutTests : IDisposable
{
    private readonly TrainerPool pool = new(new TrainerPoolOptions(1, 1));

    public void Dispose() => pool.Dispose();

    [Fact]
    public async Task LogisticRegressionOnMnistHas7850Parameters()
    {
        var layout = await pool.DescribeAsync(new ModelSpec("logreg", [1, 28, 28], 10));

        Assert.Equal(784 * 10 + 10, layout.ParameterCount);
        Assert.Equal(2, layout.Parameters.Count);
        Assert.Equal("linear.weight", layout.Parameters[0].Name);
        Assert.Equal([10L, 784L], layout.Parameters[0].Shape);
        Assert.Equal((0, 7840), (layout.Parameters[0].Offset, layout.Parameters[0].Count));
        Assert.Equal("linear.bias", layout.Parameters[1].Name);
        Assert.Equal((7840, 10), (layout.Parameters[1].Offset, layout.Parameters[1].Count));
        Assert.Equal(4 * 7850, layout.ByteCount);
    }

    [Fact]
    public async Task MlpHasTwoLayersOfHiddenWidth()
    {
        var layout = await pool.DescribeAsync(new ModelSpec("mlp", [784], 10, Hidden: 200));

        // 784·200 + 200 + 200·10 + 10
        Assert.Equal(159_010, layout.ParameterCount);
        Assert.Equal(new[] { "hidden.weight", "hidden.bias", "output.weight", "output.bias" }, layout.Parameters.Select(p => p.Name));
    }

    [Fact]
    public async Task FemnistCnnMatchesTheLeafArchitecture()
    {
        var layout = await pool.DescribeAsync(new ModelSpec("cnn", [1, 28, 28], 62));

        // conv1 1·32·25 + 32, conv2 32·64·25 + 64, fc1 (64·7·7)·2048 + 2048, fc2 2048·62 + 62
        Assert.Equal(832 + 51_264 + 6_424_576 + 127_038, layout.ParameterCount);
        Assert.Equal([32L, 1L, 5L, 5L], layout.Parameters[0].Shape);
        Assert.Equal([2048L, 3136L], layout.Parameters[4].Shape);
    }

    [Fact]
    public async Task FlatSquareInputIsReadAsOneChannelImage()
    {
        var flat = await pool.DescribeAsync(new ModelSpec("cnn", [784], 10));
        var image = await pool.DescribeAsync(new ModelSpec("cnn", [1, 28, 28], 10));

        Assert.Equal(image.ParameterCount, flat.ParameterCount);
    }

    [Fact]
    public async Task SmallCnnHasAbout100kParameters()
    {
        var layout = await pool.DescribeAsync(new ModelSpec("cnn-small", [1, 28, 28], 10));

        // conv1 1·8·25 + 8, conv2 8·16·25 + 16, fc1 (16·7·7)·120 + 120, fc2 120·10 + 10
        Assert.Equal(208 + 3_216 + 94_200 + 1_210, layout.ParameterCount);
    }

    [Fact]
    public async Task OffsetsAreContiguousInParameterOrder()
    {
        var layout = await pool.DescribeAsync(new ModelSpec("cnn-small", [3, 32, 32], 10));

        int expected = 0;
        foreach (var p in layout.Parameters)
        {
            Assert.Equal(expected, p.Offset);
            Assert.Equal(p.Shape.Aggregate(1L, (a, b) => a * b), p.Count);
            expected += p.Count;
        }
        Assert.Equal(expected, layout.ParameterCount);
    }

    [Fact]
    public void SpecsWithEqualShapeContentsAreEqual()
    {
        var a = new ModelSpec("mlp", [1, 28, 28], 10);
        var b = new ModelSpec("mlp", [1, 28, 28], 10);
        var c = new ModelSpec("mlp", [28, 28], 10);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, b with { Hidden = 100 });
    }

    [Fact]
    public void RegisteredModelsAreWhatTheConfigAccepts()
    {
        // Arrange
        FluteComponents.EnsureRegistered();
        string name = "test-config-probe-" + Guid.NewGuid().ToString("N");
        string yaml = $"experiment:\n  rounds: 1\nmodel:\n  name: {name}\n";
        Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(yaml, "m.yaml", []));

        // Act: registering in Flute.Grains is the only step.
        ModelRegistry.Register(name, "A probe model.", spec => new Flute.Grains.Torch.Models.LogisticRegression(spec));

        // Assert
        Assert.Equal(name, ConfigLoader.LoadText(yaml, "m.yaml", []).Model.Name);
        Assert.Same(ModelRegistry.Registry, Components.Models);
        // Other tests register probe models named "test-…"; the built-ins come first, in this order.
        Assert.Equal(["logreg", "mlp", "cnn", "cnn-small", "lstm", "gru"], ModelRegistry.Names.Where(n => !n.StartsWith("test-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UnknownModelFaultsTheTaskAndTheTrainerSurvives()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => pool.DescribeAsync(new ModelSpec("no-such-model", [4], 2)));

        var layout = await pool.DescribeAsync(new ModelSpec("logreg", [4], 3));
        Assert.Equal(15, layout.ParameterCount);
    }

    [Fact]
    public async Task ModelsAreBuiltOnTrainerThreads()
    {
        string name = "test-thread-probe-" + Guid.NewGuid().ToString("N");
        string? builtOn = null;
        ModelRegistry.Register(name, "A thread probe.", spec =>
        {
            builtOn = Thread.CurrentThread.Name;
            return new Flute.Grains.Torch.Models.LogisticRegression(spec);
        });

        await pool.DescribeAsync(new ModelSpec(name, [3], 2));

        Assert.Equal("flute-trainer-0", builtOn);
    }
}
