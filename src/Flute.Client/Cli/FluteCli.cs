using Flute.Core.Configuration;

namespace Flute.Client.Cli;

/// <summary>Entry point of the <c>flute</c> command: dispatches sub-commands and maps errors to exit codes.</summary>
public static class FluteCli
{
    public const string Usage = """
        usage: flute <command> [options]

        commands:
          run CONFIG [--id ID] [--out DIR] [--seed N] [--data-dir DIR] [--set key.path=value ...]
                     run an experiment on an embedded in-process silo
          bench NAME [options]
                     benchmarks: overhead (Flute vs a bare loop), micro (hot paths); see docs/performance.md
          version    print the version

        docs: README.md, docs/cli.md, docs/configuration.md
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
            }
            return args[0] switch
            {
                "run" => await RunCommand.ExecuteAsync(RunArguments.Parse(args.AsSpan(1))),
                "bench" => await Bench.BenchCommand.ExecuteAsync(args[1..]),
                "version" or "--version" => PrintVersion(),
                _ => throw new UsageException($"unknown command '{args[0]}' (try: flute --help)"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"flute: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
    }

    private static int PrintVersion()
    {
        Console.WriteLine($"flute {typeof(FluteCli).Assembly.GetName().Version}");
        return ExitCodes.Ok;
    }
}
