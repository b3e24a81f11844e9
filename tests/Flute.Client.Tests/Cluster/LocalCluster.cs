using System.Diagnostics;
using System.Text.Json;

namespace Flute.Client.Tests.Cluster;

/// <summary>
/// A real cluster from <c>deploy/local-cluster.sh</c>: Azurite and N flute-silo processes, with its
/// state in a temporary directory that is also the working directory of the CLI runs against it.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private static readonly string Script = Path.Combine(FluteProcess.RepositoryRoot, "deploy", "local-cluster.sh");

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("flute-cluster-test-").FullName;

    public string StateDirectory => Path.Combine(Directory, ".flute-cluster");

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["FLUTE_CLUSTER_DIR"] = StateDirectory,
        ["FLUTE_SKIP_BUILD"] = "1",
    };

    public static LocalCluster Up(int silos)
    {
        var cluster = new LocalCluster();
        var result = cluster.Script_("up", silos.ToString());
        if (result.ExitCode != 0)
        {
            // Nobody holds the cluster yet to dispose it: stop whatever did start (Azurite, some silos).
            cluster.Dispose();
            Assert.Fail($"local-cluster.sh up failed:\n{result.StdErr}");
        }
        return cluster;
    }

    public FluteProcess.Result Script_(params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"local-cluster.sh {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new FluteProcess.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The silos as <c>flute cluster status --json</c> reports them.</summary>
    /// <remarks><c>ServerOf</c>: the experiments whose experiment grain it holds; <c>Experiments</c>: those it holds data for (it trained their clients or serves them).</remarks>
    public IReadOnlyList<(string Name, int Pid, string[] ServerOf, string[] Experiments)> Silos()
    {
        var result = FluteProcess.RunWith(Directory, Environment, "cluster", "status", "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        return [.. json.RootElement.GetProperty("silos").EnumerateArray().Select(s => (
            s.GetProperty("name").GetString()!,
            s.GetProperty("pid").GetInt32(),
            s.GetProperty("server_of").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            s.GetProperty("experiments").EnumerateArray().Select(e => e.GetString()!).ToArray()))];
    }

    /// <summary>The last lines of every silo's log, for a failure message (the logs go with the directory).</summary>
    public string LogTails(int lines = 40)
    {
        string logs = Path.Combine(StateDirectory, "logs");
        if (!System.IO.Directory.Exists(logs)) return "(no silo logs)";
        return string.Join('\n', System.IO.Directory.EnumerateFiles(logs, "silo-*.log").Order(StringComparer.Ordinal).Select(file =>
            $"--- {Path.GetFileName(file)} ---\n" + string.Join('\n', File.ReadLines(file).TakeLast(lines))));
    }

    /// <summary>Every process id the script started (silos and Azurite), from its state files.</summary>
    public IReadOnlyList<int> RecordedPids()
    {
        var pids = new List<int>();
        foreach (string file in System.IO.Directory.EnumerateFiles(StateDirectory, "*.pid", SearchOption.AllDirectories))
            if (int.TryParse(File.ReadAllText(file).Trim(), out int pid)) pids.Add(pid);
        return pids;
    }

    public static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            // A zombie (exited, not yet reaped by its parent) is not running.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return !process.HasExited && !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Script_("down");
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A log still being written by a dying process: the temp directory is cleaned by the OS.
        }
    }
}
