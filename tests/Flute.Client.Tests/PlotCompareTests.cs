using System.Globalization;
using System.Text.Json;
using SkiaSharp;

namespace Flute.Client.Tests;

/// <summary><c>flute plot</c> and <c>flute compare</c> on real runs: two seeds of one config and one other config.</summary>
[Collection("processes")]
public sealed class PlotCompareTests : IClassFixture<PlotCompareTests.ThreeRuns>
{
    private readonly ThreeRuns _runs;

    public PlotCompareTests(ThreeRuns runs) => _runs = runs;

    /// <summary>seed-3 and seed-4 differ only by seed; other-lr also by client.lr. All three report macro F1 (server.metrics).</summary>
    public sealed class ThreeRuns : IDisposable
    {
        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("flute-plot-").FullName;

        public ThreeRuns()
        {
            File.WriteAllText(Path.Combine(Directory, "small.yaml"), TestConfigs.SmallMnist("small", rounds: 4, evalEvery: 1));
            (string Id, string[] Extra)[] runs = [("seed-3", []), ("seed-4", ["--seed", "4"]), ("other-lr", ["--set", "client.lr=0.2"])];
            foreach (var (id, extra) in runs)
            {
                var run = FluteProcess.Run(Directory, ["run", "small.yaml", "--storage", "none", "--id", id, "--set", "server.metrics=macro_f1", .. extra]);
                Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
            }
        }

        public string Run(string id) => Path.Combine(Directory, "runs", id);

        public JsonElement Summary(string id) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Run(id), "summary.json"))).RootElement;

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }

    [Fact]
    public void Plot_writes_a_png_of_the_requested_size_with_one_coloured_line_per_run()
    {
        string png = Path.Combine(_runs.Directory, "accuracy.png");
        var result = FluteProcess.Run(_runs.Directory, "plot", _runs.Run("seed-3"), _runs.Run("other-lr"), "--out", png, "--width", "640", "--height", "400");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("plot: 2 line(s) of 2 run(s)", result.StdOut);

        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.Equal((640, 400), (bitmap.Width, bitmap.Height));
        // ScottPlot's first two palette colours are the two runs' lines (and legend marks): count their pixels.
        var first = ScottPlot.Palette.Default.GetColor(0);
        var second = ScottPlot.Palette.Default.GetColor(1);
        int firstPixels = 0, secondPixels = 0, white = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (c.Red == first.R && c.Green == first.G && c.Blue == first.B) firstPixels++;
                else if (c.Red == second.R && c.Green == second.G && c.Blue == second.B) secondPixels++;
                else if (c.Red == 255 && c.Green == 255 && c.Blue == 255) white++;
            }
        Assert.True(firstPixels > 100 && secondPixels > 100, $"line pixels: {firstPixels} and {secondPixels}");
        Assert.True(white > bitmap.Width * bitmap.Height / 2, "the chart should be mostly background");
    }

    [Fact]
    public void Plot_writes_svg_and_names_a_missing_metric_or_run_in_one_line()
    {
        string svg = Path.Combine(_runs.Directory, "loss.svg");
        var ok = FluteProcess.Run(_runs.Directory, "plot", _runs.Run("seed-3"), "--metric", "test_loss", "--metric", "train_loss", "--out", svg);
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        string text = File.ReadAllText(svg);
        Assert.Contains("<svg", text);
        Assert.Contains("seed-3: train_loss", text);

        (string[] Args, string Message)[] bad =
        [
            (["plot", _runs.Run("seed-3"), "--metric", "accuracy", "--out", svg], "has no values of 'accuracy' (its metrics: "),
            (["plot", Path.Combine(_runs.Directory, "runs", "nope"), "--out", svg], "no such run directory"),
            (["plot", _runs.Run("seed-3"), "--out", Path.Combine(_runs.Directory, "x.jpg")], "must end in .png or .svg"),
            (["plot", _runs.Run("seed-3")], "--out FILE.png or FILE.svg is required"),
        ];
        foreach (var (args, message) in bad)
        {
            var result = FluteProcess.Run(_runs.Directory, args);
            Assert.Equal(2, result.ExitCode);
            string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(message, line);
        }
    }

    [Fact]
    public void Compare_prints_each_summary_and_the_mean_and_std_over_the_seeds_only()
    {
        string csv = Path.Combine(_runs.Directory, "compare.csv");
        var result = FluteProcess.Run(_runs.Directory, "compare", _runs.Run("seed-3"), _runs.Run("seed-4"), _runs.Run("other-lr"), "--csv", csv);
        Assert.True(result.ExitCode == 0, result.StdErr);

        double a = _runs.Summary("seed-3").GetProperty("test_accuracy").GetDouble();
        double b = _runs.Summary("seed-4").GetProperty("test_accuracy").GetDouble();
        double mean = (a + b) / 2, std = Math.Abs(a - b) / Math.Sqrt(2);   // sample std of two values
        double fa = _runs.Summary("seed-3").GetProperty("test_macro_f1").GetDouble();
        double fb = _runs.Summary("seed-4").GetProperty("test_macro_f1").GetDouble();
        string[] lines = result.StdOut.Split('\n');
        Assert.StartsWith("run ", lines[0]);
        Assert.Contains(" test_macro_f1 ", lines[0]);
        foreach (string id in new[] { "seed-3", "seed-4", "other-lr" })
        {
            string row = lines.Single(l => l.StartsWith(id + " ", StringComparison.Ordinal));
            Assert.Contains(_runs.Summary(id).GetProperty("test_accuracy").GetDouble().ToString("F4", CultureInfo.InvariantCulture), row);
            Assert.Contains(_runs.Summary(id).GetProperty("model_sha256").GetString()![..16], row);
            Assert.Contains(_runs.Summary(id).GetProperty("test_macro_f1").GetDouble().ToString("F4", CultureInfo.InvariantCulture), row);
        }
        Assert.Contains("over 2 seeds (seed-3, seed-4):", result.StdOut);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test_accuracy {mean:F4} ± {std:F4} (n=2)"), result.StdOut);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test_macro_f1 {(fa + fb) / 2:F4} ± {Math.Abs(fa - fb) / Math.Sqrt(2):F4} (n=2)"), result.StdOut);
        Assert.DoesNotContain("other-lr)", result.StdOut);

        string[] rows = File.ReadAllLines(csv);
        Assert.Equal("run,status,rounds,test_accuracy,test_loss,rounds_seconds,model_sha256,seed,test_macro_f1", rows[0]);
        Assert.Equal(4, rows.Length);
        Assert.StartsWith("seed-4,finished,4," + b.ToString("R", CultureInfo.InvariantCulture) + ",", rows[2]);
        Assert.EndsWith(",4," + fb.ToString("R", CultureInfo.InvariantCulture), rows[2]);
    }
}
