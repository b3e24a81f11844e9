namespace Flute.Client.Cli;

/// <summary>The options of <c>flute run</c>.</summary>
public sealed record RunArguments(
    string ConfigPath,
    string? Id,
    string? OutDir,
    ulong? Seed,
    string? DataDir,
    IReadOnlyList<string> Overrides)
{
    public static RunArguments Parse(ReadOnlySpan<string> args)
    {
        string? config = null, id = null, outDir = null, dataDir = null;
        ulong? seed = null;
        var overrides = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--id": id = OptionValues.Next(args, ref i); break;
                case "--out": outDir = OptionValues.Next(args, ref i); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                case "--set": overrides.Add(OptionValues.Next(args, ref i)); break;
                case "--seed":
                    string s = OptionValues.Next(args, ref i);
                    seed = ulong.TryParse(s, out ulong v) ? v : throw new UsageException($"--seed: expected a non-negative integer, found '{s}'");
                    break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"run: unknown option '{arg}'");
                    if (config is not null) throw new UsageException($"run: one config file expected, found '{config}' and '{arg}'");
                    config = arg;
                    break;
            }
        }
        if (config is null) throw new UsageException("run: missing CONFIG (e.g. flute run examples/mnist-cnn.yaml)");
        if (id is not null && (id.Length == 0 || id.IndexOfAny(['/', '\\', '\0']) >= 0 || id is "." or ".."))
            throw new UsageException($"--id: expected a name without '/', found '{id}'");
        if (seed is ulong n) overrides.Insert(0, $"experiment.seed={n}");
        return new RunArguments(config, id, outDir, seed, dataDir, overrides);
    }
}
