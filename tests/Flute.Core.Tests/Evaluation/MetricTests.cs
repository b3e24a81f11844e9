using Flute.Core.Configuration;
using Flute.Core.Evaluation;
using Flute.Core.Registry;

namespace Flute.Core.Tests.Evaluation;

/// <summary>The evaluation metrics of server.metrics, on logits small enough to count by hand.</summary>
[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class MetricTests
{
    private const int Classes = 5;

    // Six samples over five classes. Class 3 is predicted once but never a label; class 4 (logit −1
    // everywhere) is neither. Rows 2 and 4 tie for the maximum: the lower class index is predicted.
    //            logits                   label  argmax  rank of label
    private static readonly float[] Logits =
    [
        2, 1, 0, 0, -1,                 // 0      0       0
        1, 3, 2, 0, -1,                 // 2      1       1
        0, 5, 5, 0, -1,                 // 2      1       1 (class 1 ties and comes first)
        0, 0, 1, 0, -1,                 // 2      2       0
        4, 4, 0, 0, -1,                 // 0      0       0 (tie, class 0 first)
        1, 0, 0, 2, -1,                 // 1      3       2 (class 2 ties but comes after)
    ];

    private static readonly long[] Labels = [0, 2, 2, 2, 0, 1];

    [Fact]
    public void LogitRows_predict_the_first_maximum_and_rank_ties_by_class_index()
    {
        Assert.Equal(1, LogitRows.ArgMax([0f, 5f, 5f]));
        Assert.Equal(1, LogitRows.ArgMax([1f, float.NaN, 2f, float.NaN]));  // NaN is the maximum, as in torch.argmax
        Assert.Equal(0, LogitRows.RankOf([1f, 1f, 1f, 1f], 0));
        Assert.Equal(3, LogitRows.RankOf([1f, 1f, 1f, 1f], 3));
        Assert.Equal(2, LogitRows.RankOf([1f, 0f, 0f, 2f], 1));
    }

    [Fact]
    public void TopK_counts_labels_among_the_k_highest_and_top1_is_accuracy()
    {
        // Ranks 0, 1, 1, 0, 0, 2: top-1 hits rows 0, 3, 4 (the argmax hits); top-2 all but row 5.
        Assert.Equal(3.0 / 6, Evaluate(new TopKAccuracy(1)), 15);
        Assert.Equal(5.0 / 6, Evaluate(new TopKAccuracy(2)), 15);
        Assert.Equal(1.0, Evaluate(new TopKAccuracy(5)), 15);
        Assert.Equal("top5_accuracy", new TopKAccuracy(5).Name);
    }

    [Fact]
    public void TopK_of_all_equal_logits_counts_only_the_first_k_classes()
    {
        float[] logits = [1, 1, 1, 1, 1, 1, 1, 1];
        var top2 = new TopKAccuracy(2);
        var state = new double[top2.StateLength(4)];

        top2.Accumulate(logits, [1L, 3L], 4, state);

        Assert.Equal([1.0, 2.0], state);
        Assert.Equal(0.5, top2.Finish(state, 4));
    }

    [Fact]
    public void MacroF1_averages_over_classes_seen_in_labels_or_predictions()
    {
        // Class 0: TP 2, FP 0, FN 0 → 1. Class 1: TP 0, FP 2, FN 1 → 0. Class 2: TP 1, FP 0, FN 2 → 2/4.
        // Class 3: FP 1 only (predicted, never a label) → 0. Class 4: never seen → left out.
        Assert.Equal((1 + 0 + 0.5 + 0) / 4, Evaluate(new MacroF1()), 15);
    }

    [Fact]
    public void BalancedAccuracy_is_the_mean_recall_of_the_labelled_classes()
    {
        // Recall: class 0 2/2, class 1 0/1, class 2 1/3; classes 3 and 4 have no label and are left out.
        Assert.Equal((1 + 0 + 1.0 / 3) / 3, Evaluate(new BalancedAccuracy()), 15);
    }

    [Fact]
    public void A_metric_of_no_samples_is_NaN()
    {
        foreach (IMetric metric in new IMetric[] { new TopKAccuracy(5), new MacroF1(), new BalancedAccuracy() })
            Assert.True(double.IsNaN(metric.Finish(new double[metric.StateLength(Classes)], Classes)), metric.Name);
    }

    [Fact]
    public void Two_slices_added_in_order_give_the_state_and_values_of_one_pass()
    {
        var set = new MetricSet([new TopKAccuracy(5), new MacroF1(), new BalancedAccuracy(), new TopKAccuracy(2)]);
        int length = set.StateLength(Classes);
        var whole = new double[length];
        var first = new double[length];
        var second = new double[length];

        set.Accumulate(Logits, Labels, Classes, whole);
        set.Accumulate(Logits.AsSpan(0, 4 * Classes), Labels.AsSpan(0, 4), Classes, first);
        set.Accumulate(Logits.AsSpan(4 * Classes), Labels.AsSpan(4), Classes, second);
        var merged = new double[length];
        MetricSet.Add(first, merged);
        MetricSet.Add(second, merged);

        Assert.Equal(2 + 3 * Classes + 2 * Classes + 2, length);
        Assert.Equal(whole, merged);
        IReadOnlyDictionary<string, double> values = set.Finish(merged, Classes);
        Assert.Equal(["top5_accuracy", "macro_f1", "balanced_accuracy", "top2_accuracy"], values.Keys);
        Assert.Equal(set.Finish(whole, Classes), values);
        Assert.Equal(0.375, values["macro_f1"], 15);
    }

    [Fact]
    public void A_label_outside_the_classes_or_a_short_row_is_an_error()
    {
        var state = new double[2];
        Assert.Throws<ArgumentException>(() => new TopKAccuracy(1).Accumulate([1f, 2f], [2L], 2, state));
        Assert.Throws<ArgumentException>(() => new TopKAccuracy(1).Accumulate([1f, 2f, 3f], [0L], 2, state));
    }

    [Fact]
    public void From_builds_the_configured_metrics_in_order_and_none_for_an_empty_key()
    {
        var config = new FluteConfig();
        Assert.True(MetricSet.From(config).IsEmpty);

        config.Server.Metrics = "balanced_accuracy, top5_accuracy";
        MetricSet set = MetricSet.From(config);

        Assert.Equal(["balanced_accuracy", "top5_accuracy"], set.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void Registering_a_metric_is_what_makes_its_name_valid_in_a_config_and_in_help()
    {
        // Arrange: what a plug-in's Register() does.
        const string Yaml = "experiment:\n  rounds: 2\nserver:\n  metrics: macro_f1, test_error_rate\n";
        var before = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(Yaml, "m.yaml", []));

        // Act
        Components.Metrics.Register("test_error_rate", "1 − accuracy; only this test knows it.", _ => new TopKAccuracy(1));
        FluteConfig config;
        try
        {
            config = ConfigLoader.LoadText(Yaml, "m.yaml", []);
            Assert.Contains(Components.Metrics, Components.All);
            Assert.Contains("test_error_rate", ConfigSchema.Find("server.metrics")!.AllowedNames!);
        }
        finally
        {
            Components.Metrics.Unregister("test_error_rate");
        }

        // Assert
        Assert.Equal("config error: server.metrics: expected registered metrics, comma-separated, each at most once (top5_accuracy, macro_f1, balanced_accuracy), found \"macro_f1, test_error_rate\"", before.Message);
        Assert.Equal("macro_f1, test_error_rate", config.Server.Metrics);
        Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(Yaml, "m.yaml", []));
    }

    private static double Evaluate(IMetric metric)
    {
        var state = new double[metric.StateLength(Classes)];
        metric.Accumulate(Logits, Labels, Classes, state);
        return metric.Finish(state, Classes);
    }
}
