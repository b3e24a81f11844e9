namespace Flute.Core.Data;

/// <summary>
/// A federated data set: a training pool, each client's sample indices into it, and the held-out
/// test set used for evaluation. A client's indices may be empty (see docs/data.md).
/// </summary>
public sealed class FederatedData
{
    public FederatedData(Dataset train, int[][] clients, Dataset test)
    {
        Train = train;
        Clients = clients;
        Test = test;
    }

    public Dataset Train { get; }
    public int[][] Clients { get; }
    public Dataset Test { get; }
    public int ClientCount => Clients.Length;
}
