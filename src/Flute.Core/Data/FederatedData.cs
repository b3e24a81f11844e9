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
    // Set only while a FederatedData is being built by WithClientTests / WithClientTestSplit.
    private Func<long, ClientShard>? _clientTest;

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

    /// <summary>Whether clients have their own test splits (<see cref="ClientTest"/>) for per-client evaluation.</summary>
    public bool HasClientTests => _clientTest is not null;

    /// <summary>Client <paramref name="client"/>'s own test split; empty when the data set has none (<see cref="HasClientTests"/>).</summary>
    public ClientShard ClientTest(long client)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(client);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(client, _population);
        return _clientTest is not null ? _clientTest(client) : new ClientShard(Test, []);
    }

    /// <summary>This data set with the clients' test splits a data set provides itself (e.g. a file imported from LEAF).</summary>
    /// <exception cref="InvalidOperationException">The clients have test splits already.</exception>
    public FederatedData WithClientTests(Func<long, ClientShard> clientTest)
    {
        ArgumentNullException.ThrowIfNull(clientTest);
        if (_clientTest is not null) throw new InvalidOperationException("the clients have their own test splits already");
        FederatedData copy = _lazy is not null
            ? new FederatedData(_population, _lazy, Test, Validation, _lazyCount!)
            : new FederatedData(Train, Clients, Test, Validation);
        copy._clientTest = clientTest;
        return copy;
    }

    /// <summary>
    /// This data set with ⌊<paramref name="fraction"/> · n⌋ of every client's n samples held out as its
    /// own test split (<see cref="ClientTestSplit"/>): the clients train on the rest. Eager data sets
    /// split their index lists once; lazy ones split each generated shard.
    /// </summary>
    /// <exception cref="InvalidOperationException">The clients have test splits already.</exception>
    public FederatedData WithClientTestSplit(double fraction, ulong seed)
    {
        if (_clientTest is not null) throw new InvalidOperationException("the clients have their own test splits already");
        if (_lazy is { } lazy && _lazyCount is { } lazyCount)
        {
            ClientShard Part(long client, bool test)
            {
                ClientShard shard = lazy(client);
                var (trainPart, testPart) = ClientTestSplit.Split(shard.Indices, fraction, seed, client);
                return new ClientShard(shard.Data, test ? testPart : trainPart);
            }
            var split = new FederatedData(_population, client => Part(client, test: false), Test, Validation, client =>
            {
                int count = lazyCount(client);
                return count - ClientTestSplit.TestCount(count, fraction);
            });
            split._clientTest = client => Part(client, test: true);
            return split;
        }
        var trainParts = new int[Clients.Length][];
        var testParts = new int[Clients.Length][];
        for (int c = 0; c < Clients.Length; c++) (trainParts[c], testParts[c]) = ClientTestSplit.Split(Clients[c], fraction, seed, c);
        var eager = new FederatedData(Train, trainParts, Test, Validation);
        eager._clientTest = client => new ClientShard(Train, testParts[client]);
        return eager;
    }

    /// <summary>The number of clients of an eager data set (index lists in memory).</summary>
    public int ClientCount => IsLazy ? throw new InvalidOperationException("a lazy data set has no index lists; use Population") : Clients.Length;
}
