using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// A model from the researcher's own assembly (the sample plug-in examples/plugins/LeNet, built with
/// the solution) named by experiment.plugins, run through the real CLI; and the one-line errors of
/// assemblies that are not plug-ins.
/// </summary>
[Collection("processes")]
public sealed class PluginTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flute-plugin-").FullName;

    /// <summary>The sample plug-in's build output (same configuration as these tests).</summary>
    internal static string SamplePlugin { get; } = Path.Combine(FluteProcess.RepositoryRoot, "examples", "plugins", "LeNet", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Flute.Examples.LeNet.dll");

    /// <summary>A small LeNet-5 run whose plug-in path is <paramref name="plugin"/>.</summary>
    internal static string Config(string plugin) => $"""
        experiment:
          name: lenet
          seed: 4
          rounds: 3
          plugins: {plugin}
        data:
          dataset: mnist
          partition: dirichlet
          alpha: 0.5
          num_clients: 40
        model:
          name: lenet5
        client:
          lr: 0.1
          batch_size: 16
          max_samples: 256
        server:
          clients_per_round: 6
          eval_every: 3
        silo:
          trainers: 2
        """;

    [Fact]
    public void A_model_from_a_plugin_trains_through_flute_run_and_is_deterministic()
    {
        Assert.True(File.Exists(SamplePlugin), $"the sample plug-in is not built: {SamplePlugin}");
        // Relative to the config file, as documented; the config then carries the full path.
        File.WriteAllText(Path.Combine(_directory, "lenet.yaml"), Config(Path.GetRelativePath(_directory, SamplePlugin)));
        string[] shas = new string[2];
        for (int i = 0; i < 2; i++)
        {
            var run = FluteProcess.Run(_directory, "run", "lenet.yaml", "--storage", "none", "--id", $"lenet-{i}");
            Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "runs", $"lenet-{i}", "summary.json")));
            JsonElement root = summary.RootElement;
            shas[i] = root.GetProperty("model_sha256").GetString()!;
            // Three rounds of LeNet-5 on 40 clients' MNIST beat the 10% of guessing by far (0.43 measured).
            Assert.True(root.GetProperty("test_accuracy").GetDouble() > 0.25, run.StdOut);
        }
        Assert.Equal(shas[0], shas[1]);
    }

    [Fact]
    public void The_plugin_example_runs_from_any_working_directory_its_plugin_path_being_relative_to_the_file()
    {
        string example = Path.Combine(FluteProcess.RepositoryRoot, "examples", "mnist-lenet-plugin.yaml");
        // The plug-in's metric (error_rate) next to a built-in one, named in the same config that loads it.
        var run = FluteProcess.Run(_directory, "run", example, "--storage", "none", "--id", "example",
            "--set", "experiment.rounds=1", "--set", "server.clients_per_round=2", "--set", "client.max_samples=32",
            "--set", "server.metrics=error_rate,top5_accuracy");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("done: 1 rounds", run.StdOut);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "runs", "example", "summary.json")));
        JsonElement root = summary.RootElement;
        Assert.Equal(1 - root.GetProperty("test_accuracy").GetDouble(), root.GetProperty("test_error_rate").GetDouble(), 12);
        Assert.True(root.GetProperty("test_top5_accuracy").GetDouble() >= root.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void Assemblies_that_are_not_plugins_exit_2_with_one_line_naming_the_file()
    {
        string text = Path.Combine(_directory, "notes.dll");
        File.WriteAllText(text, "not an assembly");
        // Real .NET assemblies (xunit's, copied under other names): one without an IFlutePlugin class, one
        // whose dependencies the flute process does not have.
        string plain = Path.Combine(_directory, "plain.dll");
        File.Copy(typeof(Xunit.Abstractions.ITest).Assembly.Location, plain);
        string orphan = Path.Combine(_directory, "orphan.dll");
        File.Copy(typeof(FactAttribute).Assembly.Location, orphan);
        (string Plugin, string Message)[] cases =
        [
            // Relative to the config file, and named by full path (the form the config carries to silos).
            ("missing.dll", "plug-in assembly not found: " + Path.Combine(_directory, "missing.dll")),
            (text, text + " is not a .NET assembly"),
            (plain, plain + " has no public class implementing IFlutePlugin"),
            (orphan, orphan + ": its types cannot be loaded (Could not load file or assembly 'xunit.abstractions"),
        ];
        foreach (var (plugin, message) in cases)
        {
            File.WriteAllText(Path.Combine(_directory, "bad.yaml"), Config(plugin));
            var run = FluteProcess.Run(_directory, "run", "bad.yaml", "--storage", "none");
            Assert.Equal(2, run.ExitCode);
            string[] lines = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("config error: experiment.plugins: ", lines[0]);
            Assert.Contains(message, lines[0]);
            Assert.False(Directory.Exists(Path.Combine(_directory, "runs")) && Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "runs")).Any(),
                "a refused config left a run directory");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
