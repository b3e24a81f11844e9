namespace Flute.Client.Bench;

public static class OverheadBenchmark
{
    public static Task<int> RunAsync(string[] args) => throw new Cli.UsageException("bench overhead: being built");
}
