namespace Flute.Client.Bench.Micro;

/// <summary>How a benchmark's mean time per operation becomes its headline number.</summary>
public enum HeadlineUnit
{
    /// <summary>GB/s of float32 data: 4 bytes × the case's <c>Parameters</c> value per operation.</summary>
    GigabytesPerSecond,

    /// <summary>Microseconds per operation.</summary>
    Microseconds,

    /// <summary>Nanoseconds per operation.</summary>
    Nanoseconds,
}

/// <summary>
/// Names a benchmark's headline number (the JSON key is <see cref="Key"/> followed by the case's parameter
/// values, e.g. <c>fold_1M</c>) and the unit it is reported in.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class HeadlineAttribute(string key, HeadlineUnit unit) : Attribute
{
    public string Key { get; } = key;

    public HeadlineUnit Unit { get; } = unit;
}
