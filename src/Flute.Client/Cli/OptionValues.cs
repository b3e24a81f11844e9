namespace Flute.Client.Cli;

/// <summary>Reads the value that follows a command-line option, with one-line usage errors.</summary>
internal static class OptionValues
{
    /// <summary>
    /// The argument after <c>args[i]</c>; advances <paramref name="i"/> past it. <paramref name="command"/>,
    /// when given, prefixes the error (e.g. "bench micro").
    /// </summary>
    public static string Next(ReadOnlySpan<string> args, ref int i, string? command = null)
    {
        if (i + 1 >= args.Length || args[i + 1].Length == 0)
            throw new UsageException(command is null ? $"{args[i]}: missing value" : $"{command}: {args[i]}: missing value");
        return args[++i];
    }
}
