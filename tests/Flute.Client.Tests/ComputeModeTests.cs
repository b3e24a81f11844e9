using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// Portable compute mode and the compute fingerprint, through real CLI processes: the dispatch is
/// pinned before libtorch loads whatever the user's environment says, the values in force (read back
/// with the C library's getenv) land in summary.json, and a resume under another fingerprint warns
/// or, with --strict-fingerprint, refuses before anything runs.
/// </summary>
public sealed class ComputeModeTests : IDisposable
{
    private static readonly string SmallConfig = TestConfigs.SmallMnist("compute-small");

    /// <summary>Dispatch a user might have set, each below or beside what portable mode pins.</summary>
    private static readonly Dictionary<string, string> UserDispatch = new()
    {
        ["MKL_ENABLE_INSTRUCTIONS"] = "SSE4_2",
        ["ATEN_CPU_CAPABILITY"] = "default",
        ["ONEDNN_MAX_CPU_ISA"] = "SSE41",
        ["MKL_CBWR"] = "AUTO",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("flute-compute-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Portable_mode_overrides_the_users_dispatch_and_the_fingerprint_shows_the_values_in_force()
    {
        string config = Write("small.yaml", SmallConfig);

        var portable = FluteProcess.Run(_dir, "run", config, "--storage", "none", "--out", "portable", "--portable");
        var portableUser = FluteProcess.RunWith(_dir, UserDispatch, "run", config, "--storage", "none", "--out", "portable-user", "--portable");
        var nativeUser = FluteProcess.RunWith(_dir, UserDispatch, "run", config, "--storage", "none", "--out", "native-user");

        Assert.True(portable.ExitCode == 0, portable.StdErr);
        Assert.True(portableUser.ExitCode == 0, portableUser.StdErr);
        Assert.True(nativeUser.ExitCode == 0, nativeUser.StdErr);
        JsonElement p = Summary("portable"), pu = Summary("portable-user"), nu = Summary("native-user");
        // The user's variables change native bits but not portable ones: portable mode overrides them.
        Assert.Equal(p.GetProperty("model_sha256").GetString(), pu.GetProperty("model_sha256").GetString());
        Assert.NotEqual(pu.GetProperty("model_sha256").GetString(), nu.GetProperty("model_sha256").GetString());

        JsonElement fp = pu.GetProperty("fingerprint");
        Assert.Equal("portable", fp.GetProperty("compute").GetString());
        Assert.Equal("avx2", fp.GetProperty("ATEN_CPU_CAPABILITY").GetString());
        Assert.Equal("COMPATIBLE", fp.GetProperty("MKL_CBWR").GetString());
        Assert.Equal("AVX2", fp.GetProperty("MKL_ENABLE_INSTRUCTIONS").GetString());
        Assert.Equal("AVX2", fp.GetProperty("ONEDNN_MAX_CPU_ISA").GetString());
        Assert.Equal(CpuModel(), fp.GetProperty("cpu").GetString());
        Assert.Contains("avx2", fp.GetProperty("isa").GetString()!.Split(' '));
        Assert.StartsWith("libtorch-cpu-linux-x64 2.", fp.GetProperty("libtorch").GetString());
        Assert.Equal(1, fp.GetProperty("threads_per_trainer").GetInt32());
        Assert.Equal(2, fp.GetProperty("trainers").GetInt32());
        Assert.Equal("x64", fp.GetProperty("arch").GetString());

        JsonElement native = nu.GetProperty("fingerprint");
        Assert.Equal("native", native.GetProperty("compute").GetString());
        Assert.Equal("default", native.GetProperty("ATEN_CPU_CAPABILITY").GetString());
        Assert.Equal("SSE41", native.GetProperty("ONEDNN_MAX_CPU_ISA").GetString());
        Assert.Equal(JsonValueKind.String, p.GetProperty("fingerprint").GetProperty("os").ValueKind);
    }

    [Fact]
    public void A_resume_under_another_fingerprint_warns_per_field_and_refuses_under_strict()
    {
        string config = Write("small.yaml", SmallConfig);
        var run = FluteProcess.Run(_dir, "run", config, "--id", "fp", "--out", "fp");
        Assert.True(run.ExitCode == 0, run.StdErr);
        string recorded = Summary("fp").GetProperty("fingerprint").GetProperty("ATEN_CPU_CAPABILITY").GetString() ?? "unset";
        var other = new Dictionary<string, string> { ["ATEN_CPU_CAPABILITY"] = recorded == "default" ? "avx2" : "default" };
        string expected = $"fingerprint: ATEN_CPU_CAPABILITY '{other["ATEN_CPU_CAPABILITY"]}' differs from the experiment's '{recorded}'";

        var strict = FluteProcess.RunWith(_dir, other, "resume", "fp", "--rounds", "4", "--strict-fingerprint");
        var status = FluteProcess.Run(_dir, "status", "fp");
        var warned = FluteProcess.RunWith(_dir, other, "resume", "fp", "--rounds", "4");
        var same = FluteProcess.Run(_dir, "resume", "fp", "--rounds", "5");

        Assert.Equal(2, strict.ExitCode);
        Assert.Contains($"error: {expected}", strict.StdErr);
        Assert.Contains("--strict-fingerprint", strict.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.DoesNotContain("round 4/4", strict.StdOut);
        Assert.Contains("3/3 committed", status.StdOut);   // refused before anything ran or was written
        // status shows the fingerprint the experiment keeps (the one it started with).
        Assert.Contains($"ATEN_CPU_CAPABILITY {recorded},", status.StdOut);
        Assert.Contains("compute      native on ", status.StdOut);

        Assert.True(warned.ExitCode == 0, warned.StdErr);
        Assert.Contains($"warning: {expected}", warned.StdErr);
        Assert.Single(warned.StdErr.Split('\n'), l => l.StartsWith("warning: fingerprint:", StringComparison.Ordinal));
        Assert.Contains("round 4/4", warned.StdOut);

        // The experiment keeps the fingerprint it started with: a resume where it started is silent.
        Assert.True(same.ExitCode == 0, same.StdErr);
        Assert.DoesNotContain("fingerprint", same.StdErr);
        Assert.Equal(recorded, Summary("fp").GetProperty("fingerprint").GetProperty("ATEN_CPU_CAPABILITY").GetString() ?? "unset");
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private JsonElement Summary(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, outDir, "summary.json"))).RootElement;
}
