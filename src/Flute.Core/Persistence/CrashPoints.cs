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
public static class CrashPoints
{
    /// <summary>The environment variable read once at start-up.</summary>
    public const string EnvironmentVariable = "FLUTE_CRASH_AT";

    /// <summary>The phases a round passes, in order.</summary>
    public static IReadOnlyList<string> Phases { get; } = ["train", "blobs", "commit", "committed", "pruned"];

    private static readonly HashSet<(int Round, string Phase)>? s_points = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The round being committed, for checks made deep inside a store that does not know it.</summary>
    public static int CommittingRound { get; set; }

    /// <summary>Whether any crash point is set.</summary>
    public static bool Enabled => s_points is not null;

    /// <summary>Kills the process if <paramref name="round"/>:<paramref name="phase"/> is a configured point.</summary>
    public static void Check(int round, string phase)
    {
        if (s_points is null || !s_points.Contains((round, phase))) return;
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
