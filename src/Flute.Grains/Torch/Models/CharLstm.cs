using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// LEAF's Shakespeare next-character model (Caldas et al. 2018, arXiv:1812.01097): an embedding of 8 per
/// character, two stacked LSTM layers of <see cref="ModelSpec.Hidden"/> units (LEAF: 256), and a linear
/// layer from the last step's output to the classes. The input is a window of character indices
/// (shape [batch, seq_len]) carried as floats, as every batch is; they are cast to indices here, and
/// each must be below <see cref="ModelSpec.ClassCount"/>, because the vocabulary is also the label set.
/// Registered as "lstm".
/// </summary>
public sealed class CharLstm : nn.Module<Tensor, Tensor>
{
    /// <summary>Width of the character embedding (LEAF's).</summary>
    public const int EmbeddingSize = 8;

    /// <summary>Stacked LSTM layers (LEAF's).</summary>
    public const int Layers = 2;

    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Linear output;

    public CharLstm(ModelSpec spec) : base("lstm")
    {
        SequenceInput.Check(spec);
        embedding = nn.Embedding(spec.ClassCount, EmbeddingSize);
        lstm = nn.LSTM(EmbeddingSize, spec.Hidden, numLayers: Layers, batchFirst: true);
        output = nn.Linear(spec.Hidden, spec.ClassCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (sequence, _, _) = lstm.forward(embedding.forward(SequenceInput.Indices(input)), null);
        return output.forward(sequence.select(1, -1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embedding.Dispose();
            lstm.Dispose();
            output.Dispose();
        }
        base.Dispose(disposing);
    }
}
