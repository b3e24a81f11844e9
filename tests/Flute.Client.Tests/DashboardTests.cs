using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Flute.Client.Tests;

/// <summary>
/// <c>flute run --dashboard</c>: in a real headless browser (Debian's chromium driven by its chromedriver,
/// both installed by test.sh): the page loads, its accuracy curve gains points as rounds are committed,
/// the status names the round, and the Orleans Dashboard beside it shows the silo. Also: the plain
/// output gains exactly one line, and a bad port or address is bad input.
/// </summary>
[Collection("processes")]
public sealed partial class DashboardTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    /// <summary>Generous: a shared CI machine may take long to start the silo, the browser, or a round.</summary>
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    private readonly string _directory = Directory.CreateTempSubdirectory("flute-dashboard-").FullName;

    /// <summary>What the page shows at one instant (read by one script, so from one rendering).</summary>
    private sealed record PageState(int AccuracyPoints, string Status, int Round, long SiloClients, int MetricPoints);

    [Fact]
    public void The_page_curve_gains_points_as_rounds_complete_and_the_status_shows_the_round()
    {
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver),
            "the browser test needs Debian's chromium and chromium-driver (./test.sh installs them: apt-get install chromium chromium-driver)");
        // Evaluated every round and more rounds than the test waits for: the run is paused at the end.
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("dash", rounds: 100_000, evalEvery: 1));
        using var run = FluteProcess.Start(_directory, null, "run", "small.yaml", "--storage", "none", "--id", "dash", "--dashboard", "0",
                                           "--set", "server.metrics=macro_f1");
        Assert.True(run.WaitForLine("dashboard: ", s_patience), run.StdOut);
        Match announced = AnnouncementPattern().Match(run.StdOut);
        Assert.True(announced.Success, run.StdOut);
        string url = announced.Groups["url"].Value;
        Assert.Equal($"{url}orleans/", announced.Groups["orleans"].Value);

        using ChromeDriver browser = StartBrowser();
        browser.Navigate().GoToUrl(url);
        PageState first = Until(browser, s => s.AccuracyPoints >= 2);
        PageState later = Until(browser, s => s.AccuracyPoints > first.AccuracyPoints);

        foreach (PageState state in new[] { first, later })
        {
            // Every round is evaluated, round 0 (the initial model) included: round R has R + 1 points.
            Assert.Equal(state.Round + 1, state.AccuracyPoints);
            // A configured metric (server.metrics) gets its own curve, evaluated with the accuracy.
            Assert.Equal(state.AccuracyPoints, state.MetricPoints);
            Assert.StartsWith("running", state.Status);
            // 5 clients per round: the silos' totals over rounds 1..R.
            Assert.Equal(5L * state.Round, state.SiloClients);
        }
        Assert.True(later.Round > first.Round);
        Assert.Contains($"round {later.Round}/100000", later.Status);

        browser.Navigate().GoToUrl($"{url}orleans/");
        Assert.True(Eventually(() => browser.FindElement(By.TagName("body")).GetAttribute("textContent")!.Contains("Active silos", StringComparison.OrdinalIgnoreCase)),
            "the Orleans Dashboard did not show its overview: " + browser.PageSource[..Math.Min(500, browser.PageSource.Length)]);

        run.Signal(2);
        var result = run.WaitForExit(s_patience);
        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
        Assert.Contains("paused after round", result.StdOut);
        // Plain output: the one added line is the announcement, right before the ready line.
        string[] lines = result.StdOut.Split('\n');
        int announcement = Array.FindIndex(lines, l => l.StartsWith("dashboard: ", StringComparison.Ordinal));
        Assert.Equal(1, announcement);
        Assert.StartsWith("ready: ", lines[announcement + 1]);
    }

    [Fact]
    public void Without_a_terminal_the_dashboard_adds_exactly_one_line_to_the_output()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("plain", rounds: 3, evalEvery: 1));
        var plain = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--id", "plain");
        var served = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--id", "served", "--dashboard", "0");
        Assert.True(plain.ExitCode == 0 && served.ExitCode == 0, plain.StdErr + served.StdErr);

        // Times and ids differ between two runs; the lines' words and order must not.
        static string[] Shape(string output, string id) =>
            output.Replace(id, "ID").Split('\n').Select(l => DigitsPattern().Replace(l, "9")).ToArray();
        string[] expected = Shape(plain.StdOut, "plain");
        List<string> actual = [.. Shape(served.StdOut, "served")];
        int announcement = actual.FindIndex(l => l.StartsWith("dashboard: ", StringComparison.Ordinal));
        Assert.Equal(1, announcement);
        Assert.Matches(AnnouncementPattern(), served.StdOut.Split('\n')[announcement]);
        actual.RemoveAt(announcement);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_sweep_announces_one_page_for_all_its_runs()
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("sw", rounds: 2));
        var sweep = FluteProcess.Run(_directory, "sweep", "small.yaml", "--grid", "client.lr=0.02,0.05", "--parallel", "2",
            "--id", "sw", "--storage", "none", "--dashboard", "0");
        Assert.True(sweep.ExitCode == 0, sweep.StdErr + sweep.StdOut);
        string announcement = Assert.Single(sweep.StdOut.Split('\n'), l => l.StartsWith("dashboard: ", StringComparison.Ordinal));
        Assert.Matches(AnnouncementPattern(), announcement);
        Assert.Contains("sweep sw: 2/2 run(s) ended well", sweep.StdOut);
    }

    [Theory]
    [InlineData("--dashboard", "http", "--dashboard: expected a TCP port from 0 to 65535 (0: any free port), found 'http'")]
    [InlineData("--dashboard", "65536", "--dashboard: expected a TCP port from 0 to 65535 (0: any free port), found '65536'")]
    [InlineData("--dashboard-address", "localhost", "--dashboard-address needs --dashboard PORT")]
    public void A_bad_dashboard_option_is_bad_input_and_nothing_runs(string option, string value, string message)
    {
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("bad"));
        var run = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"flute: {message}", run.StdErr.Trim());
        Assert.Equal("", run.StdOut);
    }

    [Fact]
    public void A_busy_port_is_bad_input_naming_the_address()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        int port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        File.WriteAllText(Path.Combine(_directory, "small.yaml"), TestConfigs.SmallMnist("busy"));
        var run = FluteProcess.Run(_directory, "run", "small.yaml", "--storage", "none", "--dashboard", port.ToString());
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"flute: --dashboard: cannot listen on 127.0.0.1:{port}: ", run.StdErr);
        Assert.Equal("", run.StdOut);
    }

    /// <summary>
    /// The system's chromium through the system's chromedriver, both by explicit path, so Selenium never
    /// runs its driver manager (which would try to download a browser or driver: there may be no internet).
    /// </summary>
    private static ChromeDriver StartBrowser()
    {
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1000");
        return new ChromeDriver(service, options, s_patience);
    }

    private static PageState Read(ChromeDriver browser)
    {
        const string script = """
            const count = id => {
              const curve = document.getElementById(id);
              return curve ? curve.getAttribute('points').trim().split(/\s+/).length : 0;
            };
            const points = count('accuracy-curve');
            let clients = 0;
            for (const row of document.querySelectorAll('#silos tr')) clients += Number(row.cells[2].textContent);
            return [points, document.getElementById('status').textContent, clients, count('metric-curve-test_macro_f1')];
            """;
        var values = (IReadOnlyList<object>)browser.ExecuteScript(script)!;
        string status = (string)values[1];
        Match round = Regex.Match(status, @"round (\d+)/");
        return new PageState(Convert.ToInt32(values[0]), status, round.Success ? int.Parse(round.Groups[1].Value) : -1, Convert.ToInt64(values[2]), Convert.ToInt32(values[3]));
    }

    /// <summary>Polls the page until <paramref name="condition"/> holds; fails with the last state seen after <see cref="s_patience"/>.</summary>
    private static PageState Until(ChromeDriver browser, Func<PageState, bool> condition)
    {
        PageState? last = null;
        Assert.True(Eventually(() => condition(last = Read(browser))), $"the page never showed the expected state; last seen: {last}");
        return last!;
    }

    private static bool Eventually(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_patience)
        {
            if (condition()) return true;
            Thread.Sleep(200);
        }
        return false;
    }

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex DigitsPattern();

    [GeneratedRegex(@"^dashboard: (?<url>http://127\.0\.0\.1:\d+/) \(Orleans Dashboard: (?<orleans>\S+)\)$", RegexOptions.Multiline)]
    private static partial Regex AnnouncementPattern();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
