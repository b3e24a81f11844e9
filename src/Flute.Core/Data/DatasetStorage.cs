namespace Flute.Core.Data;

/// <summary>How a <see cref="Dataset"/> stores its raw feature values.</summary>
public enum DatasetStorage
{
    /// <summary>One unsigned byte per value (image pixels): a quarter of the memory of floats.</summary>
    Byte = 0,

    /// <summary>One float32 per value (synthetic or already continuous features).</summary>
    Float = 1,
}
