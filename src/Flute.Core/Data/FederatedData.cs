namespace Flute.Core.Data;

/// <summary>
/// A federated data set: a training pool, each client's sample indices into it, the held-out
/// test set used for evaluation and, when data.validation_fraction is above 0, the validation
/// split used for model selection. A client's indices may be empty (see docs/data.md).
/// </summary>
public sealed class FederatedData
{
    public FederatedData(Dataset train, int[][] clients, Dataset test, Dataset? validation = null)
    {
        Train = train;
        Clients = clients;
        Test = test;
        Validation = validation;
    }

    /// <summary>The samples clients index into; never holds a validation sample.</summary>
    public Dataset Train { get; }
    public int[][] Clients { get; }
    public Dataset Test { get; }

    /// <summary>
    /// Samples held out of the training pool before partitioning (<see cref="ValidationSplit"/>):
    /// in no client's shard and not in <see cref="Test"/>. Null when data.validation_fraction is 0.
    /// </summary>
    public Dataset? Validation { get; }

    public int ClientCount => Clients.Length;
}
