using Flute.Core.Configuration;
using Flute.Core.Registry;
using Flute.Grains.Torch;

namespace Flute.Grains.Tests.Torch;

public sealed class ComponentRegistrationTests
{
    [Fact]
    public void EnsureRegistered_attaches_the_TorchSharp_side_registries_once()
    {
        // Act: a second call is harmless.
        FluteComponents.EnsureRegistered();
        FluteComponents.EnsureRegistered();

        // Assert
        Assert.Same(ModelRegistry.Registry, Components.Models);
        Assert.Same(ClientOptimizerRegistry.Registry, Components.ClientOptimizers);
        Assert.Equal(["sgd", "adam"], ClientOptimizerRegistry.Names);
        Assert.Contains(Components.Models, Components.All);
    }

    [Fact]
    public void The_model_spec_takes_its_shape_from_the_registered_data_set()
    {
        // Arrange
        var mnist = new FluteConfig { Model = { Name = "cnn" } };
        var synthetic = new FluteConfig { Data = { Dataset = "synthetic" } };

        // Act
        ModelSpec a = ModelSpecs.For(mnist);
        ModelSpec b = ModelSpecs.For(synthetic);

        // Assert
        Assert.Equal(new ModelSpec("cnn", [1, 28, 28], 10), a);
        Assert.Equal(new ModelSpec("logreg", [60], 10), b);
    }

    [Fact]
    public void Docs_list_every_registered_model_and_client_optimizer()
    {
        // Arrange
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));

        foreach (ComponentRegistry registry in new[] { Components.Models, Components.ClientOptimizers })
        {
            // Act
            string row = lines.Single(l => l.StartsWith($"| `{registry.ConfigKey}` |", StringComparison.Ordinal));

            // Assert
            foreach (string name in registry.Names.Where(n => !n.StartsWith("test-", StringComparison.Ordinal)))
                Assert.Contains($"`{name}`", row);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Flute.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Flute.sln not found above the test binaries");
    }
}
