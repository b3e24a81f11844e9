using Flute.Grains.Hosting;
using Microsoft.Extensions.Hosting;

namespace Flute.Silo;

/// <summary>
/// The stand-alone silo host. Today it runs one localhost silo (development clustering) with the
/// trainer pool sized from the command line; multi-silo clustering with a membership store is
/// the subject of the cluster issue (see deploy/README.md).
/// </summary>
public static class SiloHost
{
    private const string Usage =
        "usage: flute-silo [--device cpu|cuda:N] [--trainers N] [--threads-per-trainer N] [--silo-port P] [--gateway-port P]";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new FluteSiloOptions();
        int siloPort = 11111, gatewayPort = 30000;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--device": options.Device = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--device: missing value"); break;
                    case "--trainers": options.Trainers = Int(args, ref i); break;
                    case "--threads-per-trainer": options.ThreadsPerTrainer = Int(args, ref i); break;
                    case "--silo-port": siloPort = Int(args, ref i); break;
                    case "--gateway-port": gatewayPort = Int(args, ref i); break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }
            options.Validate();
            TrainerDevice.Parse(options.Device).EnsureUsable();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"flute-silo: {e.Message}");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
            silo.AddFlute(o =>
            {
                o.Trainers = options.Trainers;
                o.ThreadsPerTrainer = options.ThreadsPerTrainer;
            });
        });
        await builder.Build().RunAsync();
        return 0;
    }

    private static int Int(string[] args, ref int i)
    {
        string name = args[i];
        if (i + 1 >= args.Length) throw new ArgumentException($"{name}: missing value");
        string value = args[++i];
        return int.TryParse(value, out int n) ? n : throw new ArgumentException($"{name}: expected an integer, found '{value}'");
    }
}
