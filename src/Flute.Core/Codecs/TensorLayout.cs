namespace Flute.Core.Codecs;

/// <summary>
/// The tensors of an update as consecutive runs of values (the model's parameters in order), so a
/// codec can treat each tensor on its own, e.g. one quantization range per tensor. An update longer than
/// the model (SCAFFOLD's [pseudo-gradient ‖ Δc]) repeats the model's tensors.
/// </summary>
public sealed class TensorLayout
{
    private readonly int[] _lengths;

    /// <summary>Creates a layout of runs of the given lengths (each ≥ 1).</summary>
    public TensorLayout(IEnumerable<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        _lengths = [.. lengths];
        if (_lengths.Any(l => l < 1)) throw new ArgumentException("Every tensor has at least one value.", nameof(lengths));
        Count = _lengths.Aggregate(0L, (sum, l) => sum + l) is long total and <= int.MaxValue
            ? (int)total
            : throw new ArgumentException("The tensors hold more than int.MaxValue values.", nameof(lengths));
    }

    /// <summary>The value count of each tensor, in order.</summary>
    public IReadOnlyList<int> Lengths => _lengths;

    /// <summary>The total value count (the update's length).</summary>
    public int Count { get; }

    /// <summary>
    /// The layout of an update of <paramref name="updateLength"/> values made of the model's tensors
    /// (<paramref name="tensorLengths"/>) repeated as often as they fit; a rest shorter than the model
    /// is one more run.
    /// </summary>
    public static TensorLayout ForUpdate(IReadOnlyList<int> tensorLengths, int updateLength)
    {
        ArgumentNullException.ThrowIfNull(tensorLengths);
        ArgumentOutOfRangeException.ThrowIfNegative(updateLength);
        var runs = new List<int>();
        int left = updateLength;
        while (left > 0)
        {
            foreach (int length in tensorLengths)
            {
                if (left == 0) break;
                int run = Math.Min(length, left);
                if (run <= 0) continue;
                runs.Add(run);
                left -= run;
            }
            if (tensorLengths.All(l => l <= 0)) throw new ArgumentException("The model has no values.", nameof(tensorLengths));
        }
        return new TensorLayout(runs);
    }
}
