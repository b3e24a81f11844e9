using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Flute.Interfaces;

namespace Flute.Grains.Hosting;

/// <summary>Builds this process's <see cref="ComputeFingerprint"/> and names the fields in which two differ.</summary>
public static class ComputeFingerprints
{
    /// <summary>This process's fingerprint: its CPU, libtorch, the dispatch variables in force and <see cref="ComputeDispatch.Mode"/>.</summary>
    public static ComputeFingerprint Current(int trainers, int threadsPerTrainer) =>
        Build(CpuInfo.Current(), LibtorchVersion(), ComputeDispatch.InForce(), ComputeDispatch.Mode, trainers, threadsPerTrainer);

    /// <summary>A fingerprint from its parts (<paramref name="dispatch"/>: <see cref="ComputeDispatch.Variables"/> → value or null).</summary>
    public static ComputeFingerprint Build(
        CpuInfo cpu, string libtorch, IReadOnlyDictionary<string, string?> dispatch, ComputeMode mode, int trainers, int threadsPerTrainer)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(dispatch);
        return new ComputeFingerprint(
            cpu.Model, cpu.IsaFlags, libtorch,
            dispatch.GetValueOrDefault("ATEN_CPU_CAPABILITY"), dispatch.GetValueOrDefault("MKL_CBWR"),
            dispatch.GetValueOrDefault("MKL_ENABLE_INSTRUCTIONS"), dispatch.GetValueOrDefault("ONEDNN_MAX_CPU_ISA"),
            ComputeModes.Name(mode), threadsPerTrainer, trainers,
            $"{RuntimeInformation.OSDescription}", RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// The fields as summary.json writes them, in order; the dispatch variables under their own names
    /// (null: unset, so libtorch decides).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Fields(ComputeFingerprint f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return
        [
            new("cpu", f.Cpu),
            new("isa", f.IsaFlags),
            new("libtorch", f.Libtorch),
            new("ATEN_CPU_CAPABILITY", f.AtenCpuCapability),
            new("MKL_CBWR", f.MklCbwr),
            new("MKL_ENABLE_INSTRUCTIONS", f.MklEnableInstructions),
            new("ONEDNN_MAX_CPU_ISA", f.OnednnMaxCpuIsa),
            new("compute", f.Compute),
            new("threads_per_trainer", f.ThreadsPerTrainer),
            new("trainers", f.Trainers),
            new("os", f.Os),
            new("arch", f.Arch),
        ];
    }

    /// <summary>
    /// One line per field in which <paramref name="other"/> differs from <paramref name="experiment"/>'s
    /// (<c>fingerprint: cpu 'X' differs from the experiment's 'Y'</c>), with <paramref name="where"/>
    /// (e.g. "silo silo-11112: ") after "fingerprint: ". The trainer count is left out: it changes
    /// speed, not bits (DESIGN.md: trainers 1 and 2 give the same model).
    /// </summary>
    public static IReadOnlyList<string> Differences(ComputeFingerprint experiment, ComputeFingerprint other, string where = "")
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(other);
        var theirs = Fields(experiment);
        var mine = Fields(other);
        var lines = new List<string>();
        for (int i = 0; i < mine.Count; i++)
        {
            if (mine[i].Key == "trainers") continue;
            string a = Show(mine[i].Value), b = Show(theirs[i].Value);
            if (a != b) lines.Add($"fingerprint: {where}{mine[i].Key} '{a}' differs from the experiment's '{b}'");
        }
        return lines;
    }

    /// <summary>
    /// A cluster's fingerprint and how its silos differ from it: the reference is
    /// <paramref name="experiment"/>'s (a resume) or else the first silo's by name (a new run), with
    /// the cluster's total trainers; every silo is compared with it, and a new run's reference also
    /// with the config's silo.compute (<paramref name="requestedCompute"/>), which only a silo's own
    /// settings can set. Silos of older builds report no fingerprint and are left out.
    /// </summary>
    public static (ComputeFingerprint? Reference, IReadOnlyList<string> Lines) ClusterDifferences(
        IReadOnlyList<SiloInfo> silos, ComputeFingerprint? experiment, string requestedCompute)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var reporting = silos.Where(s => s.Fingerprint is not null).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (reporting.Count == 0) return (experiment, []);
        ComputeFingerprint reference = experiment ?? reporting[0].Fingerprint!;
        var lines = new List<string>();
        if (experiment is null && reference.Compute != requestedCompute)
        {
            lines.Add($"fingerprint: compute '{reference.Compute}' of silo {reporting[0].Name} differs from the config's silo.compute '{requestedCompute}' " +
                      $"(a cluster silo's mode is its own setting: start it with --compute {requestedCompute})");
        }
        foreach (SiloInfo silo in reporting)
            lines.AddRange(Differences(reference, silo.Fingerprint!, $"silo {silo.Name}: "));
        return (reference with { Trainers = silos.Sum(s => s.Trainers) }, lines);
    }

    /// <summary>
    /// The libtorch native package this process ships with ("libtorch-cpu-linux-x64 2.10.0") and the
    /// TorchSharp version, from the application's dependency manifest — without loading libtorch.
    /// </summary>
    public static string LibtorchVersion()
    {
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        string native = "unknown";
        if (AppContext.GetData("APP_CONTEXT_DEPS_FILES") is string files)
        {
            foreach (string file in files.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (NativePackage(file) is { } found)
                {
                    native = found;
                    break;
                }
            }
        }
        return $"{native}, TorchSharp {torchSharp}";
    }

    private static string? NativePackage(string depsFile)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(depsFile));
            if (!document.RootElement.TryGetProperty("libraries", out JsonElement libraries)) return null;
            foreach (JsonProperty library in libraries.EnumerateObject())
            {
                if (!library.Name.StartsWith("libtorch-", StringComparison.Ordinal)) continue;
                int slash = library.Name.IndexOf('/');
                return slash < 0 ? library.Name : $"{library.Name[..slash]} {library.Name[(slash + 1)..]}";
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // A missing or unreadable manifest leaves the version unknown.
        }
        return null;
    }

    private static string Show(object? value) => value switch
    {
        null => "unset",
        int n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
