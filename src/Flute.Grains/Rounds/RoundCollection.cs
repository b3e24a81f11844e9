namespace Flute.Grains.Rounds;

/// <summary>A round's replies: which clients each silo folded, and the bytes that reached the experiment grain.</summary>
public sealed class RoundCollection
{
    /// <summary>Clients each silo reported folding into its partial aggregate.</summary>
    public Dictionary<string, HashSet<long>> BySilo { get; } = new(StringComparer.Ordinal);

    /// <summary>Clients counted per silo label ("direct" for updates sent to the server).</summary>
    public SortedDictionary<string, int> SiloClients { get; } = new(StringComparer.Ordinal);

    /// <summary>Update and partial-sum bytes that reached the server.</summary>
    public long UpdateBytes { get; set; }

    /// <summary>Client grains still active on the silos after the round (from their partials), or null when no partial said.</summary>
    public long? AliveAfter { get; set; }

    /// <summary>Records that <paramref name="silo"/> folded <paramref name="client"/>.</summary>
    public void Expect(string silo, long client)
    {
        if (!BySilo.TryGetValue(silo, out var clients)) BySilo[silo] = clients = [];
        clients.Add(client);
    }
}
