namespace Flute.Client.Bench;

public static class MicroBenchmarks
{
    public static Task<int> RunAsync(string[] args) => throw new Cli.UsageException("bench micro: being built");
}
