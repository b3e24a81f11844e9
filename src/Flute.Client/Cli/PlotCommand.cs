namespace Flute.Client.Cli;

/// <summary>
/// <c>flute plot RUN_DIR... [--metric NAME ...] --out FILE.png|.svg [--title TEXT]</c>: metrics over
/// rounds from the runs' metrics.jsonl, every run and metric one labelled line on one chart (ScottPlot).
/// </summary>
internal static class PlotCommand
{
    public const string Help = """
        usage: flute plot RUN_DIR... [--metric NAME ...] --out FILE.png|FILE.svg [--title TEXT] [--width PX] [--height PX]
          draws metrics over rounds (default: test_accuracy) of one or more runs (runs/<id> directories)
          on one chart, one labelled line per run and metric; the file type follows the extension.
          Any numeric key of metrics.jsonl is a metric (test_accuracy, test_loss, train_loss, val_accuracy,
          client_acc_mean, seconds, ...).
        """;

    public static int Execute(string[] args)
    {
        if (args is [] or ["--help" or "-h"])
        {
            Console.WriteLine(Help);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        var runs = new List<string>();
        var metrics = new List<string>();
        string? output = null, title = null;
        int width = 900, height = 550;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--metric": metrics.Add(Value(args, ref i)); break;
                case "--out": output = Value(args, ref i); break;
                case "--title": title = Value(args, ref i); break;
                case "--width": width = Pixels(Value(args, ref i), "--width"); break;
                case "--height": height = Pixels(Value(args, ref i), "--height"); break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new UsageException($"plot: unknown option '{option}'");
                default: runs.Add(args[i]); break;
            }
        }
        if (runs.Count == 0) throw new UsageException("plot: name at least one run directory (runs/<id>)");
        if (output is null) throw new UsageException("plot: --out FILE.png or FILE.svg is required");
        string extension = Path.GetExtension(output).ToLowerInvariant();
        if (extension is not (".png" or ".svg")) throw new UsageException($"plot: --out {output}: the file must end in .png or .svg");
        if (metrics.Count == 0) metrics.Add("test_accuracy");

        var plot = new ScottPlot.Plot();
        int lines = 0;
        foreach (RunMetrics run in runs.Select(RunMetrics.Read))
        {
            foreach (string metric in metrics)
            {
                var (xs, ys) = run.Series(metric);
                if (xs.Length == 0)
                    throw new UsageException($"plot: run {run.Name} has no values of '{metric}' (its metrics: {string.Join(", ", run.MetricNames())})");
                var line = plot.Add.Scatter(xs, ys);
                line.LegendText = metrics.Count == 1 ? run.Name : $"{run.Name}: {metric}";
                line.MarkerSize = xs.Length <= 60 ? 5 : 0;
                line.LineWidth = 2;
                lines++;
            }
        }
        plot.XLabel("round");
        // Rounds are whole numbers: no 0.5, 1.5 … ticks on a short run.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel(metrics.Count == 1 ? metrics[0] : "value");
        plot.Title(title ?? (metrics.Count == 1 ? $"{metrics[0]} over rounds" : "metrics over rounds"));
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        // Skia draws text only with a font it finds on the machine; without one the lines still plot.
        if (SkiaSharp.SKTypeface.Default.GlyphCount == 0)
            Console.Error.WriteLine("plot: no fonts found on this machine, so titles, axis labels and the legend are left out (Debian: apt-get install fonts-dejavu-core)");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null) Directory.CreateDirectory(folder);
        if (extension == ".png") plot.SavePng(output, width, height);
        else plot.SaveSvg(output, width, height);
        Console.WriteLine($"plot: {lines} line(s) of {runs.Count} run(s) -> {output}");
        return ExitCodes.Ok;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new UsageException($"plot: {args[i]} needs a value");
        return args[++i];
    }

    private static int Pixels(string text, string option) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int px) && px is >= 100 and <= 10000
            ? px
            : throw new UsageException($"plot: {option}: expected pixels from 100 to 10000, found '{text}'");
}
