using Flute.Client.Cli;

namespace Flute.Client.Bench;

/// <summary>The command line of <c>flute bench overhead [CONFIG ...] [options]</c>.</summary>
internal sealed record OverheadOptions(
    IReadOnlyList<string> Configs,
    int Reps,
    double MinSeconds,
    int? Rounds,
    IReadOnlyList<string> Overrides,
    string? JsonPath,
    string? DataDir)
{
    public const string Usage = "bench overhead [CONFIG ...] [--reps N] [--min-seconds S] [--rounds N] [--set key.path=value ...] [--json FILE] [--data-dir DIR]";

    public static OverheadOptions Parse(ReadOnlySpan<string> args)
    {
        var configs = new List<string>();
        var overrides = new List<string>();
        int reps = 3;
        double minSeconds = 10;
        int? rounds = null;
        string? json = null, dataDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--reps": reps = PositiveInt(args, ref i); break;
                case "--rounds": rounds = PositiveInt(args, ref i); break;
                case "--min-seconds":
                    string text = OptionValues.Next(args, ref i);
                    minSeconds = double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v)
                        ? v : throw new UsageException($"--min-seconds: expected a number ≥ 0, found '{text}'");
                    break;
                case "--set": overrides.Add(OptionValues.Next(args, ref i)); break;
                case "--json": json = OptionValues.Next(args, ref i); break;
                case "--data-dir": dataDir = OptionValues.Next(args, ref i); break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"bench overhead: unknown option '{arg}' (usage: flute {Usage})");
                    configs.Add(arg);
                    break;
            }
        }
        return new OverheadOptions(configs, reps, minSeconds, rounds, overrides, json, dataDir);
    }

    private static int PositiveInt(ReadOnlySpan<string> args, ref int i)
    {
        string name = args[i];
        string value = OptionValues.Next(args, ref i);
        return int.TryParse(value, out int n) && n >= 1 ? n : throw new UsageException($"{name}: expected an integer ≥ 1, found '{value}'");
    }
}
