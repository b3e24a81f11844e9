using System.Net;
using Flute.Grains.Hosting;
using Flute.Grains.Storage;
using Microsoft.Extensions.Configuration;

namespace Flute.Silo;

/// <summary>
/// A silo's settings, following .NET configuration conventions. Sources, later ones winning: a JSON
/// file (<c>--settings FILE</c>, keys at the top level or under "Flute:Silo"), environment variables
/// prefixed <c>FLUTE_SILO_</c> (e.g. <c>FLUTE_SILO_Trainers=2</c>), then command-line options.
/// </summary>
public sealed class SiloSettings
{
    /// <summary>Option → configuration key. Every key can also come from the file or the environment.</summary>
    public static readonly IReadOnlyDictionary<string, string> Options = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--device"] = "Device",
        ["--trainers"] = "Trainers",
        ["--threads-per-trainer"] = "ThreadsPerTrainer",
        ["--compute"] = "Compute",
        ["--silo-port"] = "SiloPort",
        ["--gateway-port"] = "GatewayPort",
        ["--listen"] = "ListenAddress",
        ["--advertise"] = "AdvertiseAddress",
        ["--cluster-id"] = "ClusterId",
        ["--service-id"] = "ServiceId",
        ["--name"] = "Name",
        ["--clustering"] = "Clustering",
        ["--clustering-connection"] = "ClusteringConnection",
        ["--storage"] = "Storage",
        ["--store"] = "Store",
        ["--azure-connection"] = "AzureConnection",
        ["--tls-cert"] = "TlsCertificate",
        ["--tls-password"] = "TlsPassword",
        ["--kubernetes"] = "Kubernetes",
        ["--dashboard"] = "Dashboard",
    };

    public const string EnvironmentPrefix = "FLUTE_SILO_";

    public string Device { get; private init; } = "cpu";
    public int Trainers { get; private init; }
    public int ThreadsPerTrainer { get; private init; } = 1;
    /// <summary>native or portable (libtorch's dispatch pinned before it loads; docs/reproducibility.md).</summary>
    public ComputeMode Compute { get; private init; }
    public int SiloPort { get; private init; } = 11111;
    public int GatewayPort { get; private init; } = 30000;
    public IPAddress ListenAddress { get; private init; } = IPAddress.Loopback;
    public IPAddress AdvertiseAddress { get; private init; } = IPAddress.Loopback;
    public string ClusterId { get; private init; } = ClusterRegistration.DefaultClusterId;
    public string ServiceId { get; private init; } = ClusterRegistration.DefaultServiceId;
    public string? Name { get; private init; }
    /// <summary>localhost (one silo, development) or azure (an Azure Storage membership table).</summary>
    public string Clustering { get; private init; } = "localhost";
    public string? ClusteringConnection { get; private init; }
    public FluteStorageOptions Storage { get; private init; } = new() { Kind = StorageKind.Local };
    public string? TlsCertificate { get; private init; }
    public string? TlsPassword { get; private init; }
    public bool Kubernetes { get; private init; }
    /// <summary>Run the Orleans Dashboard's silo side (grain profiling, silo statistics) for <c>flute run --cluster … --dashboard</c>.</summary>
    public bool Dashboard { get; private init; }

    /// <summary>Reads and checks the settings.</summary>
    /// <exception cref="ArgumentException">A one-line message naming the bad option or key.</exception>
    public static SiloSettings Load(string[] args, IDictionary<string, string?>? environment = null)
    {
        var fromArgs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string? file = null;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option == "--settings")
            {
                file = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--settings: missing value");
                continue;
            }
            if (option is "--kubernetes" or "--dashboard")
            {
                fromArgs[Options[option]] = "true";
                continue;
            }
            if (!Options.TryGetValue(option, out string? key))
                throw new ArgumentException($"unknown option '{option}'");
            fromArgs[key] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{option}: missing value");
        }

        // The file first (its keys at the top level or under Flute:Silo, as appsettings.json files
        // usually nest them), then FLUTE_SILO_* variables, then options: all as top-level keys.
        var builder = new ConfigurationBuilder();
        IConfiguration? fileSection = null;
        if (file is not null)
        {
            if (!File.Exists(file)) throw new ArgumentException($"--settings: file not found: {file}");
            IConfiguration fileOnly;
            try
            {
                fileOnly = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
            {
                throw new ArgumentException($"--settings {file}: {e.Message}");
            }
            fileSection = fileOnly.GetSection("Flute:Silo").Exists() ? fileOnly.GetSection("Flute:Silo") : fileOnly;
            builder.AddInMemoryCollection(fileSection.GetChildren()
                .Where(c => c.Key != "Flute")
                .Select(c => new KeyValuePair<string, string?>(c.Key, c.Value)));
        }
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else builder.AddInMemoryCollection(environment.Where(p => p.Key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            .Select(p => new KeyValuePair<string, string?>(p.Key[EnvironmentPrefix.Length..], p.Value)));
        builder.AddInMemoryCollection(fromArgs);
        IConfiguration section = builder.Build();
        var known = new HashSet<string>(Options.Values, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (known.Contains(child.Key)) continue;
            // A typo in the settings file is an error; an unknown FLUTE_SILO_* variable is only a
            // warning: Kubernetes injects variables named after services (FLUTE_SILO_X_SERVICE_HOST ...).
            if (fileSection?.GetSection(child.Key).Exists() == true)
                throw new ArgumentException($"unknown silo setting '{child.Key}' in {file} (known: {string.Join(", ", Options.Values)})");
            Console.Error.WriteLine($"flute-silo: warning: ignoring the environment variable {EnvironmentPrefix}{child.Key}: not a silo setting (known: {string.Join(", ", Options.Values)})");
        }

        string? Get(string key) => section[key] is { Length: > 0 } v ? v : null;
        string? azure = Get("AzureConnection") ?? Environment.GetEnvironmentVariable(FluteStorageOptions.AzureConnectionVariable);
        var storageKind = FluteStorageOptions.ParseKind(Get("Storage") ?? "local");
        if (storageKind == StorageKind.Azure && string.IsNullOrWhiteSpace(azure))
            throw new ArgumentException($"--storage azure needs a connection string: --azure-connection or {FluteStorageOptions.AzureConnectionVariable}");
        IPAddress listen = Address(Get("ListenAddress") ?? "127.0.0.1", "--listen");
        IPAddress advertise = Address(Get("AdvertiseAddress") ?? (listen.Equals(IPAddress.Any) ? throw new ArgumentException("--listen 0.0.0.0 needs --advertise ADDRESS (the address other silos and clients reach this one at)") : listen.ToString()), "--advertise");
        string clustering = Get("Clustering") ?? "localhost";
        if (clustering is not ("localhost" or "azure"))
            throw new ArgumentException($"--clustering: expected localhost or azure, found '{clustering}'");

        var settings = new SiloSettings
        {
            Device = Get("Device") ?? "cpu",
            Trainers = Int(Get("Trainers"), "--trainers", 0, 0),
            ThreadsPerTrainer = Int(Get("ThreadsPerTrainer"), "--threads-per-trainer", 1, 1),
            Compute = ComputeModes.Parse(Get("Compute") ?? "native", "--compute"),
            SiloPort = Int(Get("SiloPort"), "--silo-port", 11111, 1, 65535),
            GatewayPort = Int(Get("GatewayPort"), "--gateway-port", 30000, 1, 65535),
            ListenAddress = listen,
            AdvertiseAddress = advertise,
            ClusterId = Get("ClusterId") ?? ClusterRegistration.DefaultClusterId,
            ServiceId = Get("ServiceId") ?? ClusterRegistration.DefaultServiceId,
            Name = Get("Name"),
            Clustering = clustering,
            ClusteringConnection = Get("ClusteringConnection")
                ?? Environment.GetEnvironmentVariable(ClusterRegistration.ConnectionVariable)
                ?? Environment.GetEnvironmentVariable(FluteStorageOptions.AzureConnectionVariable),
            Storage = new FluteStorageOptions
            {
                Kind = storageKind,
                LocalDirectory = Get("Store") ?? ".flute",
                AzureConnectionString = azure,
            },
            TlsCertificate = Get("TlsCertificate"),
            TlsPassword = Get("TlsPassword"),
            Kubernetes = Bool(Get("Kubernetes"), "--kubernetes"),
            Dashboard = Bool(Get("Dashboard"), "--dashboard"),
        };
        if (settings.SiloPort == settings.GatewayPort)
            throw new ArgumentException($"--silo-port and --gateway-port must differ (both {settings.SiloPort})");
        settings.SiloOptions().Validate();
        return settings;
    }

    /// <summary>The trainer pool's options; a cluster silo continues running experiments it takes over.</summary>
    public FluteSiloOptions SiloOptions() => new()
    {
        Device = Device,
        Trainers = Trainers,
        ThreadsPerTrainer = ThreadsPerTrainer,
        ResumeRunningExperiments = Clustering == "azure",
    };

    private static IPAddress Address(string value, string option) =>
        IPAddress.TryParse(value, out IPAddress? address) ? address : throw new ArgumentException($"{option}: expected an IP address, found '{value}'");

    private static int Int(string? value, string option, int fallback, int min, int max = int.MaxValue)
    {
        if (value is null) return fallback;
        if (!int.TryParse(value, out int n)) throw new ArgumentException($"{option}: expected an integer, found '{value}'");
        if (n < min || n > max) throw new ArgumentException($"{option}: expected an integer from {min}{(max == int.MaxValue ? " up" : $" to {max}")}, found {n}");
        return n;
    }

    private static bool Bool(string? value, string option) => value is null ? false
        : bool.TryParse(value, out bool b) ? b : throw new ArgumentException($"{option}: expected true or false, found '{value}'");
}
