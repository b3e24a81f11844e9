using System.Diagnostics;
using System.Globalization;

namespace Flute.Core.Persistence;

/// <summary>
/// A test hook that kills the process (SIGKILL, no clean-up) at a chosen point of a chosen round,
/// so crash tests can hit moments a random kill rarely lands on — inside a commit above all.
/// Set <c>FLUTE_CRASH_AT=ROUND:PHASE</c> (several separated by commas); unset, every check is a
/// single field read. Phases, in the order a round passes them:
/// <list type="bullet">
/// <item><c>train</c>: mid-round, after half of the cohort's updates are folded;</item>
/// <item><c>blobs</c>: the round's weights, optimizer state and metrics are written, its state is not;</item>
/// <item><c>commit</c>: inside the state write — the new state is built (and, on the local store,
///   durable in a temp file) but has not replaced the old one;</item>
/// <item><c>committed</c>: the state write returned; old rounds not yet pruned, progress not yet reported;</item>
/// <item><c>pruned</c>: rounds beyond those kept are deleted.</item>
/// </list>
/// </summary>
/// <remarks>
/// One instance per process (a silo service), passed to whatever checks: the round a check is about
/// always comes from its caller — the state write being committed carries its own round — never from
/// shared mutable state, so experiments sharing a silo cannot trip each other's points.
/// </remarks>
public sealed class CrashPoints
{
    /// <summary>The environment variable read by <see cref="FromEnvironment"/>.</summary>
    public const string EnvironmentVariable = "FLUTE_CRASH_AT";

    /// <summary>The phases a round passes, in order.</summary>
    public static IReadOnlyList<string> Phases { get; } = ["train", "blobs", "commit", "committed", "pruned"];

    /// <summary>No crash points: every check is a single field read.</summary>
    public static CrashPoints None { get; } = new(null);

    private readonly HashSet<(int Round, string Phase)>? _points;
    private readonly Action<int, string> _reached;

    /// <summary>
    /// Crash points <paramref name="points"/> (null: none); <paramref name="reached"/> runs when one is
    /// reached (default: kill the process; tests pass a recorder).
    /// </summary>
    public CrashPoints(HashSet<(int Round, string Phase)>? points, Action<int, string>? reached = null)
    {
        _points = points is { Count: > 0 } ? points : null;
        _reached = reached ?? Kill;
    }

    /// <summary>The points set in <see cref="EnvironmentVariable"/>, which kill the process.</summary>
    /// <exception cref="ArgumentException">A malformed entry or unknown phase.</exception>
    public static CrashPoints FromEnvironment() => new(Parse(Environment.GetEnvironmentVariable(EnvironmentVariable)));

    /// <summary>Whether any crash point is set.</summary>
    public bool Enabled => _points is not null;

    /// <summary>Acts (kills the process, by default) if <paramref name="round"/>:<paramref name="phase"/> is a configured point.</summary>
    public void Check(int round, string phase)
    {
        if (_points is null || !_points.Contains((round, phase))) return;
        _reached(round, phase);
    }

    private static void Kill(int round, string phase)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"flute: crash point {round}:{phase} reached ({EnvironmentVariable}); killing the process");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Parses <c>ROUND:PHASE[,ROUND:PHASE...]</c>; null for an empty value.</summary>
    /// <exception cref="ArgumentException">A malformed entry or unknown phase.</exception>
    public static HashSet<(int Round, string Phase)>? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var points = new HashSet<(int, string)>();
        foreach (string entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = entry.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int round) || !Phases.Contains(parts[1]))
            {
                throw new ArgumentException($"{EnvironmentVariable}: expected ROUND:PHASE with PHASE one of {string.Join(", ", Phases)}, found '{entry}'");
            }
            points.Add((round, parts[1]));
        }
        return points;
    }
}
