using Flute.Core.Configuration;

namespace Flute.Client.Bench;

/// <summary>One row of the overhead benchmark: a labelled, validated config and the overrides that made it.</summary>
internal sealed record OverheadCase(string Label, string ConfigPath, IReadOnlyList<string> Overrides, FluteConfig Config)
{
    /// <summary>
    /// Evaluation is excluded from both timings; without intermediate evaluations the experiment's
    /// only one is after the last round, which its rounds seconds already leave out.
    /// </summary>
    public const string NoIntermediateEvaluation = "server.eval_every=0";

    /// <summary>Loads every case before anything runs, so a bad config or option fails at once (exit 2).</summary>
    public static IReadOnlyList<OverheadCase> Build(OverheadOptions options)
    {
        var common = new List<string>();
        if (options.Rounds is int rounds) common.Add($"experiment.rounds={rounds}");
        common.AddRange(options.Overrides);
        common.Add(NoIntermediateEvaluation);

        var cases = new List<OverheadCase>();
        if (options.Configs.Count > 0)
        {
            foreach (string path in options.Configs) cases.Add(Load(Path.GetFileName(path), path, [], common));
            return cases;
        }
        string lr = Example("mnist-lr.yaml"), cnn = Example("mnist-cnn.yaml");
        cases.Add(Load("mnist-lr.yaml", lr, [], common));
        cases.Add(Load("mnist-cnn.yaml", cnn, [], common));
        foreach (int k in new[] { 10, 100 })
            cases.Add(Load($"mnist-cnn.yaml[cnn,k={k}]", cnn, ["model.name=cnn", "experiment.rounds=5", $"server.clients_per_round={k}"], common));
        return cases;
    }

    private static OverheadCase Load(string label, string path, IReadOnlyList<string> own, IReadOnlyList<string> common)
    {
        string[] overrides = [.. own, .. common];
        return new OverheadCase(label, path, overrides, ConfigLoader.Load(path, overrides));
    }

    /// <summary>An example config: under the working directory, else under the repository holding this binary.</summary>
    private static string Example(string name)
    {
        string relative = Path.Combine("examples", name);
        if (File.Exists(relative)) return relative;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        // Not found anywhere: the loader reports the path the user would expect.
        return relative;
    }
}
