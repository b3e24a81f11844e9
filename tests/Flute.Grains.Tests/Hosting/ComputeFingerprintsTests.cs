using Flute.Grains.Hosting;
using Flute.Interfaces;

namespace Flute.Grains.Tests.Hosting;

public sealed class ComputeFingerprintsTests
{
    private static readonly IReadOnlyDictionary<string, string?> Unset = new Dictionary<string, string?>();

    private static ComputeFingerprint Epyc(ComputeMode mode = ComputeMode.Native, int trainers = 2, int threads = 1) =>
        ComputeFingerprints.Build(new CpuInfo("AMD EPYC", "avx2 fma avx512f"), "libtorch-cpu-linux-x64 2.10.0, TorchSharp 0.107.0",
            mode == ComputeMode.Portable ? ComputeDispatch.Portable.ToDictionary(p => p.Key, p => (string?)p.Value) : Unset,
            mode, trainers, threads);

    [Fact]
    public void Build_records_every_field_and_summary_fields_come_in_a_fixed_order()
    {
        ComputeFingerprint f = Epyc(ComputeMode.Portable, trainers: 3, threads: 2);

        var fields = ComputeFingerprints.Fields(f);

        Assert.Equal(
            ["cpu", "isa", "libtorch", "ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA",
             "compute", "threads_per_trainer", "trainers", "os", "arch"],
            fields.Select(p => p.Key));
        Assert.Equal("AMD EPYC", f.Cpu);
        Assert.Equal("avx2 fma avx512f", f.IsaFlags);
        Assert.Equal(ComputeDispatch.Portable["ATEN_CPU_CAPABILITY"], f.AtenCpuCapability);
        Assert.Equal(ComputeDispatch.Portable["MKL_CBWR"], f.MklCbwr);
        Assert.Equal(ComputeDispatch.Portable["MKL_ENABLE_INSTRUCTIONS"], f.MklEnableInstructions);
        Assert.Equal(ComputeDispatch.Portable["ONEDNN_MAX_CPU_ISA"], f.OnednnMaxCpuIsa);
        Assert.Equal("portable", f.Compute);
        Assert.Equal(2, f.ThreadsPerTrainer);
        Assert.Equal(3, f.Trainers);
        Assert.Equal("x64", f.Arch);
        Assert.False(string.IsNullOrEmpty(f.Os));
    }

    [Fact]
    public void Equal_fingerprints_have_no_differences()
    {
        Assert.Empty(ComputeFingerprints.Differences(Epyc(), Epyc()));
    }

    [Fact]
    public void Each_differing_field_is_one_line_naming_both_values()
    {
        ComputeFingerprint experiment = Epyc();
        ComputeFingerprint here = experiment with { Cpu = "Intel Xeon", IsaFlags = "avx2 fma", MklCbwr = "AVX2" };

        var lines = ComputeFingerprints.Differences(experiment, here);

        Assert.Equal(
            [
                "fingerprint: cpu 'Intel Xeon' differs from the experiment's 'AMD EPYC'",
                "fingerprint: isa 'avx2 fma' differs from the experiment's 'avx2 fma avx512f'",
                "fingerprint: MKL_CBWR 'AVX2' differs from the experiment's 'unset'",
            ],
            lines);
    }

    [Fact]
    public void Compute_mode_and_threads_differences_are_named_with_the_silo()
    {
        var lines = ComputeFingerprints.Differences(Epyc(ComputeMode.Portable), Epyc(ComputeMode.Native, threads: 2), "silo s2: ");

        Assert.Contains("fingerprint: silo s2: compute 'native' differs from the experiment's 'portable'", lines);
        Assert.Contains("fingerprint: silo s2: threads_per_trainer '2' differs from the experiment's '1'", lines);
        Assert.Contains("fingerprint: silo s2: ATEN_CPU_CAPABILITY 'unset' differs from the experiment's 'avx2'", lines);
        Assert.Equal(6, lines.Count);   // the 4 dispatch variables, compute and threads; cpu, isa, libtorch, os, arch agree
    }

    [Fact]
    public void The_trainer_count_changes_speed_not_bits_and_is_not_a_difference()
    {
        Assert.Empty(ComputeFingerprints.Differences(Epyc(trainers: 2), Epyc(trainers: 8)));
    }

    [Fact]
    public void The_libtorch_version_comes_from_the_dependency_manifest()
    {
        string version = ComputeFingerprints.LibtorchVersion();

        Assert.StartsWith("libtorch-cpu-linux-x64 2.", version);
        Assert.EndsWith(", TorchSharp 0.107.0", version);
    }

    [Fact]
    public void A_process_cannot_switch_compute_mode_once_applied()
    {
        // Native changes no variable, so applying it leaves the other tests' torch work untouched.
        ComputeDispatch.Apply(ComputeMode.Native);

        var e = Assert.Throws<InvalidOperationException>(() => ComputeDispatch.Apply(ComputeMode.Portable));

        Assert.Contains("already runs in native mode", e.Message);
        Assert.Equal(ComputeMode.Native, ComputeDispatch.Mode);
    }

    private static SiloInfo Silo(string name, ComputeFingerprint? fingerprint, int trainers = 2) =>
        new($"addr-{name}", name, "cpu", trainers, 1, 0, 0, 0, 1, [], "none", "") { Fingerprint = fingerprint };

    [Fact]
    public void A_new_cluster_run_takes_the_first_silo_by_name_and_names_every_silo_that_differs()
    {
        ComputeFingerprint amd = Epyc();
        ComputeFingerprint intel = amd with { Cpu = "Intel Xeon" };
        SiloInfo[] silos = [Silo("s2", intel, trainers: 3), Silo("s1", amd), Silo("old", null, trainers: 1)];

        var (reference, lines) = ComputeFingerprints.ClusterDifferences(silos, null, "native");

        Assert.Equal(amd with { Trainers = 6 }, reference);   // s1 sorts first; 3 + 2 + 1 trainers
        Assert.Equal(["fingerprint: silo s2: cpu 'Intel Xeon' differs from the experiment's 'AMD EPYC'"], lines);
    }

    [Fact]
    public void A_cluster_in_another_mode_than_the_config_asks_for_is_named_first()
    {
        SiloInfo[] silos = [Silo("s1", Epyc())];

        var (_, lines) = ComputeFingerprints.ClusterDifferences(silos, null, "portable");

        Assert.Equal(
            ["fingerprint: compute 'native' of silo s1 differs from the config's silo.compute 'portable' (a cluster silo's mode is its own setting: start it with --compute portable)"],
            lines);
    }

    [Fact]
    public void A_resume_on_a_cluster_compares_every_silo_with_the_experiments_fingerprint()
    {
        ComputeFingerprint experiment = Epyc(ComputeMode.Portable);
        SiloInfo[] silos = [Silo("s1", experiment), Silo("s2", Epyc(ComputeMode.Portable, threads: 2))];

        var (reference, lines) = ComputeFingerprints.ClusterDifferences(silos, experiment, "native");

        Assert.Equal(experiment with { Trainers = 4 }, reference);
        // The experiment's stored mode rules on resume, not the config's: only s2's threads differ.
        Assert.Equal(["fingerprint: silo s2: threads_per_trainer '2' differs from the experiment's '1'"], lines);
    }

    [Theory]
    [InlineData("native", ComputeMode.Native)]
    [InlineData("portable", ComputeMode.Portable)]
    public void Mode_names_parse(string name, ComputeMode mode)
    {
        Assert.Equal(mode, ComputeModes.Parse(name, "--compute"));
        Assert.Equal(name, ComputeModes.Name(mode));
    }

    [Fact]
    public void An_unknown_mode_is_a_one_line_error_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeModes.Parse("avx2", "--compute"));

        Assert.Equal("--compute: expected native or portable, found 'avx2'", e.Message);
    }
}
