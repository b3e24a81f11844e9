using Flute.Core.Configuration;
using Flute.Grains.Storage;

namespace Flute.Client.Cli;

/// <summary>
/// The storage options every experiment command takes: <c>--storage local|azure|none</c>,
/// <c>--store DIR</c> (local) and <c>--azure-connection STRING</c> (else FLUTE_AZURE_STORAGE).
/// Command-line values win over the config's storage section.
/// </summary>
public sealed class StorageArguments
{
    public string? Kind { get; private set; }
    public string? Directory { get; private set; }
    public string? AzureConnection { get; private set; }

    /// <summary>Consumes a storage option at <c>args[i]</c>; false if <c>args[i]</c> is not one.</summary>
    public bool TryParse(ReadOnlySpan<string> args, ref int i)
    {
        switch (args[i])
        {
            case "--storage": Kind = OptionValues.Next(args, ref i); return true;
            case "--store": Directory = OptionValues.Next(args, ref i); return true;
            case "--azure-connection": AzureConnection = OptionValues.Next(args, ref i); return true;
            default: return false;
        }
    }

    /// <summary>The effective storage: options, then <paramref name="config"/>'s storage section, then defaults.</summary>
    public FluteStorageOptions Resolve(FluteConfig? config = null)
    {
        StorageKind kind;
        try
        {
            kind = FluteStorageOptions.ParseKind(Kind ?? config?.Storage.Provider ?? "local");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var options = new FluteStorageOptions
        {
            Kind = kind,
            LocalDirectory = Directory ?? config?.Storage.Dir ?? ".flute",
            AzureConnectionString = AzureConnection ?? Environment.GetEnvironmentVariable(FluteStorageOptions.AzureConnectionVariable),
        };
        if (kind == StorageKind.Azure && string.IsNullOrWhiteSpace(options.AzureConnectionString))
            throw new UsageException($"--storage azure needs a connection string: --azure-connection STRING or the environment variable {FluteStorageOptions.AzureConnectionVariable}");
        return options;
    }

    /// <summary>The options to repeat in a suggested follow-up command (empty for the defaults).</summary>
    public string Echo()
    {
        var parts = new List<string>();
        if (Kind is not null) parts.Add($"--storage {Kind}");
        if (Directory is not null) parts.Add($"--store {Quote(Directory)}");
        if (AzureConnection is not null) parts.Add("--azure-connection ...");
        return parts.Count == 0 ? "" : " " + string.Join(' ', parts);
    }

    private static string Quote(string s) => s.Contains(' ') ? $"'{s}'" : s;
}
