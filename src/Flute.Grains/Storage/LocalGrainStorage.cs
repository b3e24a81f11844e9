using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flute.Core.Persistence;
using Orleans.Storage;

namespace Flute.Grains.Storage;

/// <summary>
/// Orleans grain storage on the local checkpoint store: one checksummed file per grain state under
/// <c>grains/&lt;state&gt;/&lt;grain type&gt;/&lt;key&gt;</c>, replaced atomically (temp file, fsync,
/// rename), with optimistic concurrency on a content-hash ETag. Nothing to install.
/// </summary>
public sealed class LocalGrainStorage : IGrainStorage
{
    private readonly LocalCheckpointStore _store;
    private readonly IGrainStorageSerializer _serializer;

    /// <summary>Rounds whose commit (a state write) is in progress, by store key: each grain's own, so experiments never see another's.</summary>
    private readonly ConcurrentDictionary<string, int> _committing = new(StringComparer.Ordinal);

    public LocalGrainStorage(string root, IGrainStorageSerializer serializer, CrashPoints? crashPoints = null)
    {
        _serializer = serializer;
        CrashPoints points = crashPoints ?? CrashPoints.None;
        _store = new LocalCheckpointStore(root)
        {
            // The moment inside a commit: the new state is durable in a temp file, not yet renamed.
            BeforeReplace = key =>
            {
                if (_committing.TryGetValue(key, out int round)) points.Check(round, "commit");
            },
        };
    }

    /// <summary>The store key of a grain's state.</summary>
    public static string KeyOf(string stateName, GrainId grainId) =>
        $"grains/{CheckpointKeys.Segment(stateName, nameof(stateName))}/{CheckpointKeys.Segment(grainId.Type.ToString()!, "grainType")}/{CheckpointKeys.Segment(grainId.Key.ToString()!, "grainKey")}";

    /// <summary>The file a grain's state is stored in (for messages).</summary>
    public string Locate(string stateName, GrainId grainId) => _store.Locate(KeyOf(stateName, grainId));

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        byte[]? content = await _store.GetAsync(KeyOf(stateName, grainId));
        if (content is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = _serializer.Deserialize<T>(new BinaryData(content));
        grainState.ETag = ETagOf(content);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string key = KeyOf(stateName, grainId);
        await CheckETagAsync(key, grainState.ETag);
        byte[] content = _serializer.Serialize(grainState.State).ToArray();
        bool committing = grainState.State is ExperimentState { CommittingRound: int round } && _committing.TryAdd(key, round);
        try
        {
            await _store.PutAsync(key, content);
        }
        finally
        {
            if (committing) _committing.TryRemove(key, out _);
        }
        grainState.ETag = ETagOf(content);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string key = KeyOf(stateName, grainId);
        await CheckETagAsync(key, grainState.ETag);
        await _store.DeleteAsync(key);
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private async Task CheckETagAsync(string key, string? expected)
    {
        string? current;
        try
        {
            byte[]? stored = await _store.GetAsync(key);
            current = stored is null ? null : ETagOf(stored);
        }
        catch (CorruptCheckpointException)
        {
            // A corrupt state is replaced only by a writer that read it as absent: never silently.
            current = "corrupt";
        }
        if (current != expected)
        {
            throw new InconsistentStateException($"the state under {_store.Locate(key)} changed since it was read (stored ETag {current ?? "none"}, expected {expected ?? "none"})", current, expected);
        }
    }

    private static string ETagOf(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12));
}
