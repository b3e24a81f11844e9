namespace Flute.Core.Strategies;

/// <summary>DGA's hyper-parameters (from the config: <c>server.dga_beta</c>, <c>server.dga_stale_prob</c>).</summary>
/// <param name="Beta">β ≥ 0, the softmax sharpness over −β × per-sample training loss; 0 weighs every client equally.</param>
/// <param name="StaleProbability">p in [0, 1]: each update is held back one round with probability p (FLUTE's stale_prob); 0 is off.</param>
public sealed record DgaOptions(double Beta = DgaOptions.DefaultBeta, double StaleProbability = 0)
{
    /// <summary>
    /// The default β. FLUTE requires softmax_beta and ships 1.0 (experiments/cv_lr_mnist) and 20.0
    /// (configs/hello_world_nlg_gru_json.yaml); 1.0 on Flute's per-sample mean loss keeps weights
    /// within e^−(loss spread) of each other.
    /// </summary>
    public const double DefaultBeta = 1.0;
}
