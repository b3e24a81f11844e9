namespace Flute.Client.Bench;

/// <summary><c>flute bench NAME</c>: benchmarks that print a table and, with <c>--json FILE</c>, write JSON.</summary>
public static class BenchCommand
{
    public const string Names = "overhead, micro, persistence, scale";

    public static Task<int> ExecuteAsync(string[] args)
    {
        if (args.Length == 0) throw new Cli.UsageException($"bench: missing NAME (one of: {Names})");
        string[] rest = args[1..];
        return args[0] switch
        {
            "overhead" => OverheadBenchmark.RunAsync(rest),
            "micro" => MicroBenchmarks.RunAsync(rest),
            "persistence" => PersistenceBenchmark.RunAsync(rest),
            "scale" => ScaleBenchmark.RunAsync(rest),
            _ => throw new Cli.UsageException($"bench: unknown benchmark '{args[0]}' (one of: {Names})"),
        };
    }
}
