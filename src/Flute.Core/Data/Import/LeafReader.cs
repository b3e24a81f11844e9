using System.Text.Json;

namespace Flute.Core.Data.Import;

/// <summary>
/// Streams one LEAF JSON file (<c>{"users": [...], "num_samples": [...], "user_data": {user: {"x":
/// [[features], ...], "y": [labels]}}}</c>; other keys such as "hierarchies" are skipped): each
/// user's samples go to the callback as soon as its "x" and "y" are read, so one user's data is in
/// memory at a time. Checks, each failing with one line naming the file and the user or sample:
/// valid JSON; numeric rows of one length within a user; integer labels ≥ 0; as many rows as labels;
/// "users" and "user_data" naming the same users; "num_samples" agreeing with the data.
/// </summary>
public static class LeafReader
{
    /// <summary>Reads <paramref name="path"/>, calling <paramref name="user"/> once per user in user_data order.</summary>
    public static void Read(string path, UserSamples samples, Action<string, UserSamples> user)
    {
        using var json = new JsonTokenStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path);
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{path}: not a LEAF file: expected a JSON object with users, num_samples and user_data");
        List<string>? users = null;
        List<int>? counts = null;
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        bool sawUserData = false;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            string key = json.Text!;
            json.Read();
            switch (key)
            {
                case "users":
                    users = ReadArray(json, path, key, j => j.TokenType == JsonTokenType.String ? j.Text : null, "strings");
                    break;
                case "num_samples":
                    counts = ReadArray(json, path, key, j => j.Integer is >= 0 ? j.Integer : null, "non-negative integers").Select(c => c!.Value).ToList();
                    break;
                case "user_data":
                    if (json.TokenType != JsonTokenType.StartObject) throw new InvalidDataException($"{path}: user_data is not an object");
                    sawUserData = true;
                    while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                    {
                        string name = json.Text!;
                        if (found.ContainsKey(name)) throw new InvalidDataException($"{path}: user '{name}' appears twice in user_data");
                        ReadUser(json, path, name, samples);
                        found.Add(name, samples.LabelCount);
                        user(name, samples);
                    }
                    break;
                default:
                    json.SkipValue();
                    break;
            }
        }
        if (users is null) throw new InvalidDataException($"{path}: no 'users' list");
        if (counts is null) throw new InvalidDataException($"{path}: no 'num_samples' list");
        if (!sawUserData) throw new InvalidDataException($"{path}: no 'user_data' object");
        if (users.Count != counts.Count)
            throw new InvalidDataException($"{path}: 'users' names {users.Count} users but 'num_samples' has {counts.Count} counts");
        for (int i = 0; i < users.Count; i++)
        {
            if (!found.TryGetValue(users[i], out int actual))
                throw new InvalidDataException($"{path}: user '{users[i]}' is in 'users' but missing from 'user_data'");
            if (actual != counts[i])
                throw new InvalidDataException($"{path}: user '{users[i]}': num_samples says {counts[i]} but user_data has {actual} samples");
        }
        if (found.Count != users.Count)
        {
            var listed = new HashSet<string>(users, StringComparer.Ordinal);
            string extra = found.Keys.First(k => !listed.Contains(k));
            throw new InvalidDataException($"{path}: user '{extra}' is in 'user_data' but not in 'users'");
        }
    }

    private static void ReadUser(JsonTokenStream json, string path, string user, UserSamples samples)
    {
        samples.Clear();
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{path}: user '{user}': expected an object with x and y");
        bool sawX = false, sawY = false;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            string key = json.Text!;
            json.Read();
            if (key == "x") { ReadRows(json, path, user, samples); sawX = true; }
            else if (key == "y") { ReadLabels(json, path, user, samples); sawY = true; }
            else json.SkipValue();
        }
        if (!sawX || !sawY) throw new InvalidDataException($"{path}: user '{user}' has no '{(sawX ? "y" : "x")}'");
        if (samples.Rows != samples.LabelCount)
            throw new InvalidDataException($"{path}: user '{user}': x has {samples.Rows} samples but y has {samples.LabelCount} labels");
    }

    private static void ReadRows(JsonTokenStream json, string path, string user, UserSamples samples)
    {
        if (json.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: user '{user}': x is not an array");
        int width = -1;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            int sample = samples.Rows;
            if (json.TokenType != JsonTokenType.StartArray)
                throw new InvalidDataException($"{path}: user '{user}', sample {sample}: x is {Describe(json)}, expected an array of numbers (text data is not imported as features)");
            int read = json.ReadNumbers(ref samples.FeatureBuffer, ref samples.FeatureValues);
            if (read == -2) throw new InvalidDataException($"{path}: user '{user}', sample {sample}: feature {json.Text} does not fit a float32");
            if (read < 0) throw new InvalidDataException($"{path}: user '{user}', sample {sample}: x holds {Describe(json)}, expected only numbers (flatten nested rows)");
            if (width < 0) width = read;
            else if (read != width)
                throw new InvalidDataException($"{path}: user '{user}', sample {sample}: ragged row of {read} features, sample 0 has {width}");
            if (read == 0) throw new InvalidDataException($"{path}: user '{user}', sample {sample}: empty feature row");
            samples.Rows++;
        }
    }

    private static void ReadLabels(JsonTokenStream json, string path, string user, UserSamples samples)
    {
        if (json.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: user '{user}': y is not an array");
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            if (json.Integer is not >= 0)
                throw new InvalidDataException($"{path}: user '{user}', sample {samples.LabelCount}: label is {Describe(json)}, expected an integer class ≥ 0");
            samples.AddLabel(json.Integer.Value);
        }
    }

    private static List<T> ReadArray<T>(JsonTokenStream json, string path, string key, Func<JsonTokenStream, T?> item, string what)
    {
        if (json.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: '{key}' is not an array");
        var list = new List<T>();
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
            list.Add(item(json) ?? throw new InvalidDataException($"{path}: '{key}' item {list.Count} is {Describe(json)}; expected {what}"));
        return list;
    }

    private static string Describe(JsonTokenStream json) => json.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Shorten(json.Text!)}\"",
        JsonTokenType.Number => json.Integer is { } i ? $"{i}" : "a fractional or large number",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => json.TokenType.ToString(),
    };

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "…";
}
