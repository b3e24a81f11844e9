using Flute.Core.Configuration;
using Flute.Grains.Hosting;
using Flute.Interfaces;

namespace Flute.Client.Cli;

/// <summary>
/// Where an experiment computes, and whether that matches where it computed before: an embedded silo
/// takes silo.compute from the config (applied to this process before libtorch loads); a cluster's
/// silos report their own fingerprints. A difference is a warning naming each field, or — with
/// <c>--strict-fingerprint</c> — a refusal (exit 2) before anything is written.
/// </summary>
public static class FingerprintCheck
{
    /// <summary>Applies the config's silo.compute to this process and returns its fingerprint as an embedded silo.</summary>
    public static ComputeFingerprint Embedded(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        try
        {
            ComputeDispatch.Apply(ComputeModes.Parse(config.Silo.Compute, "silo.compute"));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
        var options = new FluteSiloOptions { Trainers = config.Silo.Trainers, ThreadsPerTrainer = config.Silo.ThreadsPerTrainer };
        return ComputeFingerprints.Current(options.EffectiveTrainers, options.ThreadsPerTrainer);
    }

    /// <summary>
    /// The fingerprint a cluster run records: <paramref name="experiment"/>'s (a resume) or the first
    /// silo's by name (a new run), with the cluster's total trainers. Every silo is compared with it,
    /// and a new run's silos also with the config's silo.compute, which only silo settings can set.
    /// </summary>
    public static ComputeFingerprint? Cluster(
        IReadOnlyList<SiloInfo> silos, ComputeFingerprint? experiment, FluteConfig config, bool strict, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentNullException.ThrowIfNull(config);
        var (reference, lines) = ComputeFingerprints.ClusterDifferences(silos, experiment, config.Silo.Compute);
        Report(lines, strict, warnings);
        return reference;
    }

    /// <summary>Compares this process's fingerprint with the one the experiment started with (none recorded: nothing to compare).</summary>
    public static void Compare(ComputeFingerprint? experiment, ComputeFingerprint current, bool strict, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (experiment is null) return;
        Report(ComputeFingerprints.Differences(experiment, current), strict, warnings);
    }

    /// <summary>Writes each line as a warning; under <paramref name="strict"/>, then refuses with a one-line error.</summary>
    public static void Report(IReadOnlyList<string> lines, bool strict, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(warnings);
        if (lines.Count == 0) return;
        foreach (string line in lines) warnings.WriteLine($"{(strict ? "error" : "warning")}: {line}");
        if (strict)
        {
            throw new UsageException(
                $"--strict-fingerprint: the compute fingerprint differs from the experiment's in {lines.Count} field(s) (listed above); bits would differ, so nothing was run");
        }
        warnings.WriteLine("warning: the model bits may differ from a run with the experiment's fingerprint (docs/reproducibility.md); --strict-fingerprint refuses instead");
    }
}
