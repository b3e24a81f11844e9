using Flute.Grains.Hosting;

namespace Flute.Client.Cli;

/// <summary>Where a cluster is: its membership store's connection string and its ids.</summary>
public sealed record ClusterTarget(string Connection, string ClusterId, string ServiceId, string? TlsCertificate, string? TlsPassword)
{
    /// <summary>For messages: the cluster id and the table endpoint, never the key.</summary>
    public string Describe() => $"cluster {ClusterId}";
}

/// <summary>
/// The options that run a command against a silo cluster instead of an embedded silo:
/// <c>--cluster local</c> (the one deploy/local-cluster.sh started; it reads that script's
/// <c>cluster.env</c>) or <c>--cluster CONNECTION</c> (an Azure Storage connection string for the
/// membership table) with <c>--cluster-id ID</c>; <c>--tls-cert FILE</c> / <c>--tls-password PW</c>
/// when the cluster uses TLS.
/// </summary>
public sealed class ClusterArguments
{
    /// <summary>Where deploy/local-cluster.sh keeps its state (FLUTE_CLUSTER_DIR, default .flute-cluster).</summary>
    public static string LocalClusterDirectory =>
        Environment.GetEnvironmentVariable("FLUTE_CLUSTER_DIR") is { Length: > 0 } dir ? dir : ".flute-cluster";

    public string? Cluster { get; private set; }
    public string? ClusterId { get; private set; }
    public string? TlsCertificate { get; private set; }
    public string? TlsPassword { get; private set; }

    public bool IsSet => Cluster is not null;

    public bool TryParse(ReadOnlySpan<string> args, ref int i)
    {
        switch (args[i])
        {
            case "--cluster": Cluster = OptionValues.Next(args, ref i); return true;
            case "--cluster-id": ClusterId = OptionValues.Next(args, ref i); return true;
            case "--tls-cert": TlsCertificate = OptionValues.Next(args, ref i); return true;
            case "--tls-password": TlsPassword = OptionValues.Next(args, ref i); return true;
            default: return false;
        }
    }

    /// <summary>The cluster to connect to, or null for the embedded silo.</summary>
    public ClusterTarget? Resolve()
    {
        if (Cluster is null)
        {
            if (ClusterId is not null || TlsCertificate is not null)
                throw new UsageException("--cluster-id and --tls-cert need --cluster local|CONNECTION");
            return null;
        }
        if (Cluster != "local")
            return new ClusterTarget(Cluster, ClusterId ?? ClusterRegistration.DefaultClusterId, ClusterRegistration.DefaultServiceId, TlsCertificate, TlsPassword);

        string file = Path.Combine(LocalClusterDirectory, "cluster.env");
        if (!File.Exists(file))
            throw new UsageException($"--cluster local: no local cluster is running ({Path.GetFullPath(file)} is missing); start one with 'deploy/local-cluster.sh up 3'");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(file))
        {
            int eq = line.IndexOf('=');
            if (eq > 0 && !line.StartsWith('#')) values[line[..eq].Trim()] = Unquote(line[(eq + 1)..].Trim());
        }
        if (!values.TryGetValue("FLUTE_CLUSTER_STORAGE", out string? connection) || connection.Length == 0)
            throw new UsageException($"--cluster local: {file} has no FLUTE_CLUSTER_STORAGE line; restart the cluster with deploy/local-cluster.sh");
        return new ClusterTarget(
            connection,
            ClusterId ?? values.GetValueOrDefault("FLUTE_CLUSTER_ID", ClusterRegistration.DefaultClusterId),
            values.GetValueOrDefault("FLUTE_SERVICE_ID", ClusterRegistration.DefaultServiceId),
            TlsCertificate ?? (values.TryGetValue("FLUTE_TLS_CERT", out string? cert) && cert.Length > 0 ? cert : null),
            TlsPassword ?? values.GetValueOrDefault("FLUTE_TLS_PASSWORD"));
    }

    /// <summary>The options to repeat in a suggested follow-up command.</summary>
    public string Echo() => Cluster is null ? "" : Cluster == "local" ? " --cluster local" : $" --cluster ...{(ClusterId is null ? "" : $" --cluster-id {ClusterId}")}";

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0] ? value[1..^1] : value;
}
