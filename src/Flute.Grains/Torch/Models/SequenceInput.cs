using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// What the sequence models share: their input is one window of token indices per sample (shape
/// [seq_len]), carried as float32 like every batch, and turned into int64 indices for the embedding.
/// Float32 holds every integer below 2^24 exactly, far above any vocabulary here.
/// </summary>
internal static class SequenceInput
{
    /// <summary>Throws unless <paramref name="spec"/> describes windows of indices and a hidden width.</summary>
    public static void Check(ModelSpec spec)
    {
        if (spec.InputShape.Length != 1)
            throw new ArgumentException($"model '{spec.Name}' reads windows of character indices (a text data set such as sotu); got samples of shape [{string.Join(", ", spec.InputShape)}]");
        if (spec.Hidden < 1) throw new ArgumentException($"model '{spec.Name}' needs hidden ≥ 1; got {spec.Hidden}");
    }

    /// <summary>The batch as int64 indices, shape [batch, seq_len].</summary>
    public static Tensor Indices(Tensor input) => input.to_type(ScalarType.Int64);
}
