using System.Text.RegularExpressions;

namespace Flute.Core.Persistence;

/// <summary>The rule for experiment ids: they name files and blobs, so they are kept to a safe alphabet.</summary>
public static partial class ExperimentId
{
    /// <summary>The longest id accepted, in characters.</summary>
    public const int MaxLength = 128;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Description = "1 to 128 letters, digits, '.', '_' or '-' (not starting with '.')";

    /// <summary>Whether <paramref name="id"/> is 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'.</summary>
    public static bool IsValid(string id) => Pattern().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\z")]
    private static partial Regex Pattern();
}
