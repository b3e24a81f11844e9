using Azure.Data.Tables;
using Orleans.Configuration;

namespace Flute.Grains.Hosting;

/// <summary>
/// Multi-silo clustering through a real membership store: an Azure Storage table (Azurite on a
/// laptop, Azure Storage in production), shared by silos and clients; reminders live there too, so an
/// experiment whose silo died is woken up on another. The embedded single-process silo keeps
/// localhost clustering.
/// </summary>
public static class ClusterRegistration
{
    public const string DefaultClusterId = "flute-local";
    public const string DefaultServiceId = "flute";

    /// <summary>The environment variable with the membership store's connection string (else FLUTE_AZURE_STORAGE).</summary>
    public const string ConnectionVariable = "FLUTE_CLUSTER_STORAGE";

    /// <summary>How long the start-up check of the membership store may take before it counts as unreachable.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static ISiloBuilder UseFluteAzureClustering(this ISiloBuilder silo, string connectionString)
    {
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
        silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connectionString));
        // The strongly consistent grain directory: the default one is eventually consistent, and when a
        // silo dies it loses that silo's directory partition, so a call made meanwhile could start a
        // second activation of a running experiment grain while the first still ran its round (the two
        // then waited on each other's model versions until their calls timed out). This directory keeps
        // one activation per grain through membership changes and does not end activations whose
        // directory entry lived on the dead silo.
#pragma warning disable ORLEANSEXP003 // experimental in Orleans; the one in-cluster directory without duplicate activations
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // Notice a dead silo in seconds rather than about a minute: probes every 2 s, declared
            // dead after 2 missed probes (2 votes, or the only other silo's vote in a pair).
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            o.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
            o.DefunctSiloExpiration = TimeSpan.FromMinutes(30);
        });
        return silo;
    }

    public static IClientBuilder UseFluteAzureClustering(this IClientBuilder client, string connectionString)
    {
        client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return client;
    }

    /// <summary>
    /// Checks that the membership store answers, so a silo or client with a wrong or dead store stops
    /// at once with one line instead of retrying for minutes.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is malformed or the store does not answer (the message names the endpoint, never the key).</exception>
    public static async Task ProbeAsync(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException($"the membership store needs a connection string: --clustering-connection, or the environment variable {ConnectionVariable} or FLUTE_AZURE_STORAGE");
        TableServiceClient client;
        try
        {
            var options = new TableClientOptions();
            options.Retry.MaxRetries = 1;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(4);
            client = new TableServiceClient(connectionString, options);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"the membership store's connection string is malformed ({e.GetType().Name}); expected an Azure Storage connection string with a TableEndpoint or AccountName/AccountKey");
        }
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await foreach (var _ in client.QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token))
                break;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string reason = e is OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : FirstLine(e.Message);
            throw new ArgumentException($"the membership store at {client.Uri} is unreachable: {reason}");
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
