namespace Flute.Core.Data;

/// <summary>One client's training data: samples <see cref="Indices"/> of <see cref="Data"/>.</summary>
public readonly record struct ClientShard(Dataset Data, int[] Indices);

/// <summary>
/// A federated data set: a training pool, each client's sample indices into it, the held-out
/// test set used for evaluation and, when data.validation_fraction is above 0, the validation
/// split used for model selection. A client's indices may be empty (see docs/data.md).
/// A <em>lazy</em> data set (e.g. <c>synthetic</c>) has no pool and no index lists: each client's
/// shard is generated on demand from (seed, client), so a population costs no memory until sampled.
/// </summary>
public sealed class FederatedData
{
    private readonly Func<long, ClientShard>? _lazy;
    private readonly Func<long, int>? _lazyCount;
    private readonly long _population;

    public FederatedData(Dataset train, int[][] clients, Dataset test, Dataset? validation = null)
    {
        Train = train;
        Clients = clients;
        Test = test;
        Validation = validation;
        _population = clients.Length;
    }

    /// <summary>
    /// A lazy population of <paramref name="population"/> clients whose shards <paramref name="shard"/>
    /// builds on demand; <paramref name="sampleCount"/> gives a client's sample count without building it.
    /// </summary>
    public FederatedData(long population, Func<long, ClientShard> shard, Dataset test, Dataset? validation, Func<long, int> sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(population);
        _lazy = shard;
        _lazyCount = sampleCount;
        _population = population;
        Train = test.Select($"{test.Name}-no-pool", []);
        Clients = [];
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

    /// <summary>The number of clients (for an eager data set, Clients.Length).</summary>
    public long Population => _population;

    /// <summary>Whether shards are generated on demand (no pool, no index lists).</summary>
    public bool IsLazy => _lazy is not null;

    /// <summary>Client <paramref name="client"/>'s training data.</summary>
    public ClientShard Shard(long client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, _population);
        return _lazy is not null ? _lazy(client) : new ClientShard(Train, Clients[client]);
    }

    /// <summary>Client <paramref name="client"/>'s number of training samples (cheap: nothing is generated).</summary>
    public int SampleCount(long client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, _population);
        return _lazyCount is not null ? _lazyCount(client) : Clients[client].Length;
    }

    /// <summary>The number of clients of an eager data set (index lists in memory).</summary>
    public int ClientCount => IsLazy ? throw new InvalidOperationException("a lazy data set has no index lists; use Population") : Clients.Length;
}
