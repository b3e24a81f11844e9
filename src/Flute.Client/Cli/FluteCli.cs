using Flute.Core.Configuration;
using Flute.Core.Persistence;
using Flute.Core.Registry;
using Flute.Grains;

namespace Flute.Client.Cli;

/// <summary>Entry point of the <c>flute</c> command: dispatches sub-commands and maps errors to exit codes.</summary>
public static class FluteCli
{
    public const string Usage = """
        usage: flute <command> [options]

        commands:
          run CONFIG [--id ID] [--out DIR] [--seed N] [--data-dir DIR] [--set key.path=value ...]
                     [--cluster local|CONNECTION [--cluster-id ID]] [--portable] [--strict-fingerprint] [--tensorboard]
                     [--dashboard PORT [--dashboard-address IP]]
                     run an experiment on an embedded in-process silo (or on a silo cluster), committing every round;
                     --dashboard serves a live web page (curves, clients per silo, bytes) and the Orleans Dashboard
                     on 127.0.0.1:PORT (0: a free port; --dashboard-address to listen elsewhere)
          resume ID [--rounds N] [--config FILE] [--set k=v ...] [--force-config] [--strict-fingerprint] [--tensorboard]
                    [--dashboard PORT [--dashboard-address IP]]
          resume ID --from-round R --id NEW
                     continue from the last committed round, or start NEW from a kept round of ID
          pause ID [--no-wait]
                     stop a running experiment at its next round boundary (Ctrl+C in its terminal does the same)
          list       experiments in the store
          status ID  one experiment: status, rounds, last metrics, kept rounds, compute fingerprint, store location
          export ID [--round R|best|latest] --format torchsharp|pytorch --out FILE
                     the global model as a TorchSharp weights file or a PyTorch state dict
          bench NAME [options]
                     benchmarks: overhead (Flute vs a bare loop), micro (hot paths), scale (millions of clients);
                     see docs/performance.md
          data partition --dataset mnist --partition NAME [--alpha A] --clients N --out FILE [--seed N]
                     partition a data set once into a file that configs name (data.dataset partitioned)
          data import --train PATH --test PATH --out FILE [--format leaf|csv] [--shape 1,28,28] [--classes N]
                     import LEAF JSON or CSV federated data (one client per user, its train/test split) into such a file
          plot RUN_DIR... [--metric NAME ...] --out FILE.png|.svg
                     metrics over rounds of several runs on one labelled chart
          compare RUN_DIR...
                     the runs' summaries side by side; mean ± std over runs that differ only by seed
          sweep CONFIG --grid key=v1,v2 [--grid ...] [--seeds N] [--parallel P]
                     the grid as concurrent experiments on one embedded silo, then their table and a CSV
          cluster status [--cluster local|CONNECTION] [--cluster-id ID] [--json]
                     the silos of a cluster (default: the one deploy/local-cluster.sh started)
          version    print the version

        storage options (all experiment commands): --storage local|azure|none, --store DIR (default .flute),
          --azure-connection STRING (else the environment variable FLUTE_AZURE_STORAGE)
        exit codes: 0 ok (finished or paused), 1 experiment failed, 2 bad input, 3 storage unreachable

        docs: README.md, docs/cli.md, docs/configuration.md
        """;

    /// <summary>The usage lines of one command (its synopsis and description), or null for an unknown command.</summary>
    internal static string? CommandHelp(string command)
    {
        var lines = new List<string>();
        bool inside = false;
        foreach (string line in Usage.Split('\n'))
        {
            bool commandLine = line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal);
            if (commandLine) inside = line.TrimStart().Split(' ')[0] == command;
            else if (line.Trim().Length == 0 || !line.StartsWith("   ", StringComparison.Ordinal)) inside = false;
            if (inside) lines.Add(line.TrimEnd());
        }
        return lines.Count == 0 ? null : $"usage: flute {string.Join('\n', lines).TrimStart()}\n\nstorage options, exit codes: flute --help; details: docs/cli.md";
    }

    public static async Task<int> RunAsync(string[] args)
    {
        FluteComponents.EnsureRegistered();
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                Console.WriteLine();
                Console.Write(ComponentsHelp());
                return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
            }
            // Every command answers --help (or -h) with its lines of the usage; plot, compare and sweep have their own.
            if (args.Length > 1 && args[0] is not ("plot" or "compare" or "sweep") && args.Skip(1).Any(a => a is "--help" or "-h")
                && CommandHelp(args[0]) is string help)
            {
                Console.WriteLine(help);
                return ExitCodes.Ok;
            }
            return args[0] switch
            {
                "run" => await RunCommand.ExecuteAsync(RunArguments.Parse(args.AsSpan(1))),
                "resume" => await ResumeCommand.ExecuteAsync(args[1..]),
                "pause" => await PauseCommand.ExecuteAsync(args[1..]),
                "list" => await InspectCommands.ListAsync(args[1..]),
                "status" => await InspectCommands.StatusAsync(args[1..]),
                "export" => await InspectCommands.ExportAsync(args[1..]),
                "data" => DataCommand.Execute(args[1..]),
                "plot" => PlotCommand.Execute(args[1..]),
                "compare" => CompareCommand.Execute(args[1..]),
                "sweep" => await SweepCommand.ExecuteAsync(args[1..]),
                "cluster" => await ClusterCommand.ExecuteAsync(args[1..]),
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
        catch (StorageUnavailableException e)
        {
            Console.Error.WriteLine($"flute: {OneLine(e.Message)}");
            return ExitCodes.StorageUnavailable;
        }
        catch (CorruptCheckpointException e)
        {
            Console.Error.WriteLine($"flute: {OneLine(e.Message)}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"flute: storage error: {OneLine(e.Message)}");
            return ExitCodes.StorageUnavailable;
        }
    }

    /// <summary>
    /// The registered components of every kind with their descriptions, read from the registries, so
    /// help lists exactly the names a config accepts.
    /// </summary>
    public static string ComponentsHelp()
    {
        var text = new System.Text.StringBuilder("components (registered names; a config may use any of them):\n");
        foreach (ComponentRegistry registry in Components.All)
        {
            text.Append("  ").Append(registry.Kind).Append(registry.ConfigKey is null ? "" : $" ({registry.ConfigKey})").Append('\n');
            int width = registry.Components.Select(c => c.Name.Length).DefaultIfEmpty(0).Max();
            foreach (ComponentInfo component in registry.Components)
                text.Append("    ").Append(component.Name.PadRight(width)).Append("  ").Append(component.Description).Append('\n');
        }
        return text.ToString();
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static int PrintVersion()
    {
        Console.WriteLine($"flute {typeof(FluteCli).Assembly.GetName().Version}");
        return ExitCodes.Ok;
    }
}
