using Flute.Client.Cli;

namespace Flute.Client.Bench.Micro;

/// <summary>The options of <c>flute bench micro</c>: <c>[--json FILE] [--filter NAME ...]</c>.</summary>
public sealed record MicroArguments(string? JsonPath, IReadOnlyList<string> Filters)
{
    public static MicroArguments Parse(ReadOnlySpan<string> args)
    {
        string? json = null;
        var filters = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = OptionValues.Next(args, ref i, "bench micro"); break;
                case "--filter": filters.Add(OptionValues.Next(args, ref i, "bench micro")); break;
                default: throw new UsageException($"bench micro: unknown argument '{args[i]}' (options: --json FILE, --filter NAME)");
            }
        }
        return new MicroArguments(json, filters);
    }
}
