using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch.Models;

/// <summary>
/// A next-character model in the style of FLUTE's NLG GRU (<c>nlg_gru</c>, Dimitriadis et al. 2022,
/// arXiv:2203.13789): an embedding of <see cref="EmbeddingSize"/> per character, one GRU layer of
/// <see cref="ModelSpec.Hidden"/> units, a linear "squeeze" from the last step's output back to the
/// embedding width, and logits as its product with the embedding matrix (tied input and output
/// weights, as FLUTE's model does). Inputs are character indices carried as floats, each below
/// <see cref="ModelSpec.ClassCount"/>. Registered as "gru".
/// </summary>
public sealed class CharGru : nn.Module<Tensor, Tensor>
{
    /// <summary>Width of the character embedding, shared by input and output.</summary>
    public const int EmbeddingSize = 64;

    private readonly Embedding embedding;
    private readonly GRU gru;
    private readonly Linear squeeze;

    public CharGru(ModelSpec spec) : base("gru")
    {
        SequenceInput.Check(spec);
        embedding = nn.Embedding(spec.ClassCount, EmbeddingSize);
        gru = nn.GRU(EmbeddingSize, spec.Hidden, batchFirst: true);
        squeeze = nn.Linear(spec.Hidden, EmbeddingSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (sequence, _) = gru.forward(embedding.forward(SequenceInput.Indices(input)), null);
        return squeeze.forward(sequence.select(1, -1)).matmul(embedding.weight!.t());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embedding.Dispose();
            gru.Dispose();
            squeeze.Dispose();
        }
        base.Dispose(disposing);
    }
}
