using Flute.Core.Persistence;
using Flute.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Flute.Client.Cli;

/// <summary>
/// The CLI's direct view of a store, without a silo: the checkpoint store, the experiment grains'
/// persisted state (read exactly as the grain storage wrote it), the experiment lock, and pause
/// requests. list, status, export and pause use only this; run and resume take the lock here before
/// their silo starts.
/// </summary>
public abstract class ExperimentStore
{
    private static readonly Lazy<IGrainStorageSerializer> s_serializer = new(() =>
    {
        var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(ExperimentState).Assembly).AddAssembly(typeof(Interfaces.RoundMetrics).Assembly))
            .BuildServiceProvider();
        return new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
    });

    /// <summary>The state name of the experiment grain's persistent state.</summary>
    public const string StateName = "experiment";

    protected static IGrainStorageSerializer StateSerializer => s_serializer.Value;

    public abstract ICheckpointStore Checkpoints { get; }

    /// <summary>"local /path/.flute" or "azure http://...".</summary>
    public abstract string Location { get; }

    /// <summary>The experiment's committed state, or null if the store has none.</summary>
    /// <exception cref="CorruptCheckpointException">The state is truncated or fails its checksum.</exception>
    public abstract Task<ExperimentState?> ReadStateAsync(string experimentId);

    /// <summary>Where the experiment's state is stored (for messages).</summary>
    public abstract string LocateState(string experimentId);

    /// <summary>Takes the experiment's lock; <paramref name="progress"/> hears about waits.</summary>
    /// <exception cref="ExperimentLockedException">Another process holds it.</exception>
    public abstract Task<IExperimentLock> AcquireLockAsync(string experimentId, Action<string>? progress = null);

    public static ExperimentStore Open(FluteStorageOptions options) => options.Kind switch
    {
        StorageKind.Local => new LocalExperimentStore(options.LocalDirectory),
        StorageKind.Azure => AzureExperimentStore.Open(options.AzureConnectionString!),
        _ => throw new UsageException("this command needs a store (--storage local or azure); storage none keeps nothing"),
    };

    /// <summary>The ids of the experiments in the store, sorted.</summary>
    public virtual async Task<IReadOnlyList<string>> ListIdsAsync()
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (string key in Checkpoints.ListAsync("experiments/"))
        {
            string[] parts = key.Split('/');
            if (parts.Length >= 3) ids.Add(parts[1]);
        }
        return [.. ids];
    }

    public Task RequestPauseAsync(string experimentId) =>
        Checkpoints.PutAsync(CheckpointKeys.PauseRequest(experimentId), "pause"u8.ToArray());
}

/// <summary>The local directory store (the embedded default).</summary>
public sealed class LocalExperimentStore(string directory) : ExperimentStore
{
    private readonly LocalCheckpointStore _store = new(directory);

    public override ICheckpointStore Checkpoints => _store;

    public override string Location => $"local {_store.Root}";

    public override async Task<ExperimentState?> ReadStateAsync(string experimentId)
    {
        byte[]? content = await _store.GetAsync(StateKey(experimentId));
        if (content is null) return null;
        return StateSerializer.Deserialize<ExperimentState>(new BinaryData(content));
    }

    public override string LocateState(string experimentId) => _store.Locate(StateKey(experimentId));

    /// <summary>The experiment directories themselves: listing every file would walk all client-state shards.</summary>
    public override Task<IReadOnlyList<string>> ListIdsAsync()
    {
        string experiments = Path.Combine(_store.Root, "experiments");
        IReadOnlyList<string> ids = Directory.Exists(experiments)
            ? [.. Directory.EnumerateDirectories(experiments).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(ids);
    }

    public override Task<IExperimentLock> AcquireLockAsync(string experimentId, Action<string>? progress = null) =>
        Task.FromResult<IExperimentLock>(ExperimentLock.Acquire(_store.Root, experimentId));

    private static string StateKey(string experimentId) =>
        LocalGrainStorage.KeyOf(StateName, GrainId.Create("experiment", experimentId));
}
