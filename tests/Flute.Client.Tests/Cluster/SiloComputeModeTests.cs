using System.Diagnostics;

namespace Flute.Client.Tests.Cluster;

/// <summary>flute-silo's compute mode: a setting like the others (option, FLUTE_SILO_Compute, file), checked before the silo starts.</summary>
public sealed class SiloComputeModeTests
{
    [Fact]
    public void A_silo_started_with_FLUTE_SILO_Compute_portable_says_so_when_ready()
    {
        var start = Silo("--name", "portable-silo", "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString(), "--storage", "none");
        start.Environment["FLUTE_SILO_Compute"] = "portable";
        using var process = Process.Start(start)!;
        try
        {
            string? ready = null;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && process.StandardOutput.ReadLine() is string line)
            {
                if (!line.StartsWith("flute-silo: ready: ", StringComparison.Ordinal)) continue;
                ready = line;
                break;
            }

            Assert.NotNull(ready);
            Assert.Contains("thread(s), compute portable, ", ready);
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    [Fact]
    public void An_unknown_compute_mode_exits_2_with_one_line_naming_the_option()
    {
        using var process = Process.Start(Silo("--compute", "avx512", "--storage", "none"))!;
        string stderr = process.StandardError.ReadToEnd();

        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("flute-silo: --compute: expected native or portable, found 'avx512'", stderr.Trim());
    }

    private static ProcessStartInfo Silo(params string[] args)
    {
        string silo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(FluteProcess.Binary)!, "..", "..", "..", "..", "Flute.Silo", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "flute-silo"));
        EnsureBuilt(silo);
        var start = new ProcessStartInfo(silo) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>
    /// The solution build makes flute-silo, but another test may be rebuilding it at this moment (seen
    /// in CI: the file was missing); build it under the lock deploy/local-cluster.sh takes, which
    /// waits for a build in progress.
    /// </summary>
    private static void EnsureBuilt(string silo)
    {
        if (File.Exists(silo)) return;
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(silo)!, "..", "..", "..", "..", ".."));
        var build = new ProcessStartInfo("flock", [Path.Combine(root, "src", "Flute.Silo", ".build.lock"),
            "dotnet", "build", Path.Combine(root, "src", "Flute.Silo", "Flute.Silo.csproj"), "-c", "Release", "-nologo", "-v", "q"]);
        using var process = Process.Start(build)!;
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)) && process.ExitCode == 0 && File.Exists(silo), $"could not build {silo}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
