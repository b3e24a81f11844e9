using System.Globalization;

namespace Flute.Core.Persistence;

/// <summary>
/// The key scheme of the checkpoint store and its validation. Keys are relative, '/'-separated paths
/// (<c>experiments/&lt;id&gt;/rounds/000042/weights.bin</c>) that every backend maps the same way; a key
/// that could escape the store's root or be mistaken for a temp or lock file is rejected.
/// </summary>
public static class CheckpointKeys
{
    /// <summary>The longest key accepted, in characters.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>The segment after which the next segment is a client id (sharded by the local store).</summary>
    public const string ClientsSegment = "clients";

    /// <summary>The suffix of a temp file; no key may end with it.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>The file name of an experiment's lock, reserved under <c>experiments/&lt;id&gt;/</c>.</summary>
    public const string LockName = "lock";

    private const string Experiments = "experiments";

    /// <summary>The key of an experiment's latest checkpoint record (the commit point).</summary>
    public static string Record(string experimentId) => $"{Experiments}/{Segment(experimentId, nameof(experimentId))}/checkpoint";

    /// <summary>The prefix under which an experiment's per-round blobs live.</summary>
    public static string RoundsPrefix(string experimentId) => $"{Experiments}/{Segment(experimentId, nameof(experimentId))}/rounds/";

    /// <summary>The key of one blob of a round, e.g. <c>experiments/e/rounds/000042/weights.bin</c>.</summary>
    public static string RoundBlob(string experimentId, int round, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        return $"{RoundsPrefix(experimentId)}{RoundFolder(round)}/{Segment(name, nameof(name))}";
    }

    /// <summary>The key of one blob of a client's state in an experiment (sharded by the local store).</summary>
    public static string ClientBlob(string experimentId, string clientId, string name) =>
        $"{Experiments}/{Segment(experimentId, nameof(experimentId))}/{ClientsSegment}/{Segment(clientId, nameof(clientId))}/{Segment(name, nameof(name))}";

    /// <summary>A round's folder name: zero-padded to six digits so listings sort by round up to 999999.</summary>
    public static string RoundFolder(int round) => round.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Parses a folder name written by <see cref="RoundFolder"/>.</summary>
    public static bool TryParseRoundFolder(string folder, out int round) =>
        int.TryParse(folder, NumberStyles.None, CultureInfo.InvariantCulture, out round);

    /// <summary>The key of an experiment's pause request (written by <c>flute pause</c>, removed when honoured).</summary>
    public static string PauseRequest(string experimentId) => $"{Experiments}/{Segment(experimentId, nameof(experimentId))}/pause-request";

    /// <summary>The path of an experiment's lock file relative to the root, '/'-separated.</summary>
    public static string LockKey(string experimentId) => $"{Experiments}/{Segment(experimentId, nameof(experimentId))}/{LockName}";

    /// <summary>Checks one path segment (an experiment id, client id or blob name) and returns it.</summary>
    /// <exception cref="ArgumentException">Empty, '.', '..', or holds '/', '\' or a control character.</exception>
    public static string Segment(string value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        string? problem = SegmentProblem(value);
        if (problem is not null)
        {
            throw new ArgumentException($"'{value}' cannot be a checkpoint key segment: {problem}.", paramName);
        }
        if (value.Contains('/'))
        {
            throw new ArgumentException($"'{value}' cannot be a checkpoint key segment: it holds '/'.", paramName);
        }
        return value;
    }

    /// <summary>Checks a key and returns its segments.</summary>
    /// <exception cref="ArgumentException">The key is invalid; the message names it and says why.</exception>
    public static string[] Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string? problem = KeyProblem(key, out string[] segments);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid checkpoint key '{key}': {problem}.", nameof(key));
        }
        return segments;
    }

    /// <summary>
    /// Checks a listing prefix (any start of a valid key, possibly ending in '/' or mid-segment) and
    /// returns its complete segments (those followed by '/').
    /// </summary>
    public static string[] ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string? problem = CommonProblem(prefix);
        string[] complete = [];
        if (problem is null)
        {
            int slash = prefix.LastIndexOf('/');
            complete = slash < 0 ? [] : prefix[..slash].Split('/');
            foreach (string segment in complete)
            {
                problem ??= SegmentProblem(segment);
            }
        }
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid checkpoint key prefix '{prefix}': {problem}.", nameof(prefix));
        }
        return complete;
    }

    private static string? KeyProblem(string key, out string[] segments)
    {
        segments = [];
        if (key.Length == 0)
        {
            return "it is empty";
        }
        string? problem = CommonProblem(key);
        if (problem is not null)
        {
            return problem;
        }
        segments = key.Split('/');
        foreach (string segment in segments)
        {
            problem = SegmentProblem(segment);
            if (problem is not null)
            {
                return problem;
            }
        }
        if (key.EndsWith(TempSuffix, StringComparison.Ordinal))
        {
            return $"names ending in '{TempSuffix}' are reserved for temp files";
        }
        if (segments is [Experiments, _, LockName])
        {
            return "it is reserved for the experiment's lock file";
        }
        return null;
    }

    private static string? CommonProblem(string value)
    {
        if (value.Length > MaxKeyLength)
        {
            return $"longer than {MaxKeyLength} characters";
        }
        if (value.StartsWith('/') || Path.IsPathRooted(value))
        {
            return "it is an absolute path";
        }
        if (value.Contains('\\'))
        {
            return "it holds a backslash (use '/')";
        }
        return null;
    }

    private static string? SegmentProblem(string segment)
    {
        if (segment.Length == 0)
        {
            return "it has an empty segment";
        }
        if (segment is "." or "..")
        {
            return $"it has a '{segment}' segment";
        }
        if (segment.Contains('\\'))
        {
            return "it holds a backslash (use '/')";
        }
        foreach (char c in segment)
        {
            if (char.IsControl(c))
            {
                return "it holds a control character";
            }
        }
        return null;
    }
}
