using Flute.Core.Configuration;
using Flute.Grains.Storage;

namespace Flute.Client.Cli;

/// <summary>
/// The storage options every experiment command takes: <c>--storage local|azure|none</c>,
/// <c>--store DIR</c> (local) and <c>--azure-connection STRING</c> (else FLUTE_AZURE_STORAGE).
/// Command-line values win over the config's storage section.
/// </summary>
public sealed class StorageArguments(bool withCluster = false)
{
    /// <summary>
    /// With <c>withCluster</c>, also <c>--cluster local|CONNECTION</c> (and its options): the store is then
    /// the one the cluster's silos use (commands that only read or mark the store: list, status, export, pause).
    /// </summary>
    public ClusterArguments? Cluster { get; } = withCluster ? new ClusterArguments() : null;

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
            default: return Cluster?.TryParse(args, ref i) ?? false;
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

    /// <summary>As <see cref="Resolve"/>, or the storage of the cluster's silos when <c>--cluster</c> was given.</summary>
    public async Task<FluteStorageOptions> ResolveAsync()
    {
        if (Cluster?.Resolve() is not { } target) return Resolve();
        await using ClusterConnection connection = await ClusterConnection.ConnectAsync(target);
        return connection.Storage(await connection.SilosAsync(), this, null);
    }

    /// <summary>The options to repeat in a suggested follow-up command (empty for the defaults).</summary>
    public string Echo()
    {
        if (Cluster?.IsSet == true) return Cluster.Echo();
        var parts = new List<string>();
        if (Kind is not null) parts.Add($"--storage {Kind}");
        if (Directory is not null) parts.Add($"--store {Quote(Directory)}");
        if (AzureConnection is not null) parts.Add("--azure-connection ...");
        return parts.Count == 0 ? "" : " " + string.Join(' ', parts);
    }

    private static string Quote(string s) => s.Contains(' ') ? $"'{s}'" : s;
}
