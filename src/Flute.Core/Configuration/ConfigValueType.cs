namespace Flute.Core.Configuration;

/// <summary>The kind of value a configuration key takes.</summary>
public enum ConfigValueType
{
    /// <summary>A 32-bit signed integer written without a fraction or exponent.</summary>
    Integer,

    /// <summary>A 64-bit unsigned integer (the seed).</summary>
    UnsignedInteger,

    /// <summary>A finite floating-point number; integers are accepted.</summary>
    Number,

    /// <summary>One of a list of names: a registered component (<see cref="Registry.Components"/>) or a fixed setting (<see cref="KnownNames"/>).</summary>
    Name,

    /// <summary>Free text such as a path.</summary>
    Text,
}
