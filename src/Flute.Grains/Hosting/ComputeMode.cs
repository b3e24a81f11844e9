namespace Flute.Grains.Hosting;

/// <summary>How libtorch picks its CPU kernels in a Flute process (docs/reproducibility.md).</summary>
public enum ComputeMode
{
    /// <summary>libtorch, MKL and oneDNN choose kernels by this CPU's instruction set (and the user's environment).</summary>
    Native,

    /// <summary>The dispatch is pinned to <see cref="ComputeDispatch.Portable"/> before libtorch loads.</summary>
    Portable,
}

/// <summary>Names of <see cref="ComputeMode"/> as configs and settings write them.</summary>
public static class ComputeModes
{
    /// <summary>Parses <c>native</c> or <c>portable</c>; throws a one-line error naming <paramref name="option"/>.</summary>
    public static ComputeMode Parse(string? value, string option) => value switch
    {
        "native" => ComputeMode.Native,
        "portable" => ComputeMode.Portable,
        _ => throw new ArgumentException($"{option}: expected native or portable, found '{value}'"),
    };

    /// <summary>The lower-case name (<c>native</c>, <c>portable</c>).</summary>
    public static string Name(ComputeMode mode) => mode == ComputeMode.Portable ? "portable" : "native";
}
