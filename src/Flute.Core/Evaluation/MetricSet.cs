using Flute.Core.Configuration;
using Flute.Core.Registry;
using Flute.Core.UpdatePipeline;

namespace Flute.Core.Evaluation;

/// <summary>
/// The metrics <c>server.metrics</c> lists, in order, with one state vector for all of them: each
/// metric owns a stretch of it (its <see cref="IMetric.StateLength"/>), so a slice's evaluation
/// travels as one <c>double[]</c>, slices add up with <see cref="Add"/> in slice order, and
/// <see cref="Finish"/> gives each metric's value. With no metrics the state is empty and evaluation
/// does no extra work.
/// </summary>
public sealed class MetricSet
{
    private static readonly string[] Reserved = ["accuracy", "loss"];
    private readonly IMetric[] _metrics;

    /// <summary>Creates the set of <paramref name="metrics"/>, in order.</summary>
    /// <exception cref="ArgumentException">Two metrics share a name, or one is named like a built-in field (accuracy, loss).</exception>
    public MetricSet(IEnumerable<IMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = [.. metrics];
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (IMetric metric in _metrics)
        {
            // test_accuracy and test_loss are the built-in fields of metrics.jsonl.
            if (Reserved.Contains(metric.Name, StringComparer.OrdinalIgnoreCase)) throw new ArgumentException($"metric name '{metric.Name}' is reserved", nameof(metrics));
            if (!names.Add(metric.Name)) throw new ArgumentException($"metric '{metric.Name}' is listed twice", nameof(metrics));
        }
    }

    /// <summary>No metrics: evaluation reports accuracy and loss only.</summary>
    public static MetricSet None { get; } = new([]);

    /// <summary>The metrics in <c>server.metrics</c> order.</summary>
    public IReadOnlyList<IMetric> Metrics => _metrics;

    /// <summary>True when no metric is configured.</summary>
    public bool IsEmpty => _metrics.Length == 0;

    /// <summary>Builds the metrics <c>server.metrics</c> lists through <see cref="Components.Metrics"/>.</summary>
    /// <exception cref="ArgumentException">A listed name is not registered.</exception>
    public static MetricSet From(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<string> names = ClientUpdatePipeline.ParseNames(config.Server.Metrics);
        return names.Count == 0 ? None : new MetricSet(names.Select(name => Components.Metrics.Create(name, config)));
    }

    /// <summary>The length of the whole state for a model with <paramref name="classes"/> outputs.</summary>
    public int StateLength(int classes)
    {
        int length = 0;
        foreach (IMetric metric in _metrics) length += metric.StateLength(classes);
        return length;
    }

    /// <summary>Adds one batch to every metric's stretch of <paramref name="state"/>.</summary>
    public void Accumulate(ReadOnlySpan<float> logits, ReadOnlySpan<long> labels, int classes, Span<double> state)
    {
        CheckLength(state.Length, classes);
        int offset = 0;
        foreach (IMetric metric in _metrics)
        {
            int length = metric.StateLength(classes);
            metric.Accumulate(logits, labels, classes, state.Slice(offset, length));
            offset += length;
        }
    }

    /// <summary>Adds a slice's state into <paramref name="sum"/>, element by element (call in slice order).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Add(ReadOnlySpan<double> slice, Span<double> sum)
    {
        if (slice.Length != sum.Length) throw new ArgumentException($"a state of {slice.Length} values cannot be added to one of {sum.Length}", nameof(slice));
        for (int i = 0; i < slice.Length; i++) sum[i] += slice[i];
    }

    /// <summary>Each metric's value of the summed <paramref name="state"/>, by name, in <c>server.metrics</c> order.</summary>
    public IReadOnlyDictionary<string, double> Finish(ReadOnlySpan<double> state, int classes)
    {
        CheckLength(state.Length, classes);
        var values = new Dictionary<string, double>(_metrics.Length);
        int offset = 0;
        foreach (IMetric metric in _metrics)
        {
            int length = metric.StateLength(classes);
            values.Add(metric.Name, metric.Finish(state.Slice(offset, length), classes));
            offset += length;
        }
        return values;
    }

    private void CheckLength(int length, int classes)
    {
        int expected = StateLength(classes);
        if (length != expected) throw new ArgumentException($"the metrics' state has {expected} values for {classes} classes, not {length}");
    }
}
