using System.Buffers;
using System.Text;
using System.Text.Json;
using Flute.Core.Data.Text;

namespace Flute.Core.Data.Import;

/// <summary>
/// Streams one LEAF JSON file (<c>{"users": [...], "num_samples": [...], "user_data": {user: {"x":
/// [[features], ...], "y": [labels]}}}</c>; other keys such as "hierarchies" are skipped): each
/// user's samples go to the callback as soon as its "x" and "y" are read, so one user's data is in
/// memory at a time. A user's samples are numeric (x arrays of numbers, y integer classes) or text,
/// as in LEAF's Shakespeare (x strings of characters, y the one character that follows): a text
/// window's characters and its label become their <see cref="CharacterVocabulary"/> indices, the
/// window stored as float features. Checks, each failing with one line naming the file and the user
/// or sample: valid JSON; rows or windows of one length within a user; integer labels ≥ 0 or
/// one-character labels; x and y both numeric or both text; as many rows as labels; "users" and
/// "user_data" naming the same users; "num_samples" agreeing with the data.
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

    /// <summary>What a user's x items or y items are, fixed by the first of them.</summary>
    private enum Kind { None, Numbers, Text }

    private static void ReadUser(JsonTokenStream json, string path, string user, UserSamples samples)
    {
        samples.Clear();
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{path}: user '{user}': expected an object with x and y");
        bool sawX = false, sawY = false;
        Kind rows = Kind.None, labels = Kind.None;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            string key = json.Text!;
            json.Read();
            if (key == "x") { rows = ReadRows(json, path, user, samples, labels); sawX = true; }
            else if (key == "y") { labels = ReadLabels(json, path, user, samples, rows); sawY = true; }
            else json.SkipValue();
        }
        if (!sawX || !sawY) throw new InvalidDataException($"{path}: user '{user}' has no '{(sawX ? "y" : "x")}'");
        if (samples.Rows != samples.LabelCount)
            throw new InvalidDataException($"{path}: user '{user}': x has {samples.Rows} samples but y has {samples.LabelCount} labels");
        samples.IsText = rows == Kind.Text;
    }

    /// <summary>
    /// Reads x: arrays of numbers, or strings whose characters become their
    /// <see cref="CharacterVocabulary"/> indices (as floats, like the sotu data set's windows). Returns
    /// which; <paramref name="labels"/> is the kind of y when y came first, for the match check.
    /// </summary>
    private static Kind ReadRows(JsonTokenStream json, string path, string user, UserSamples samples, Kind labels)
    {
        if (json.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: user '{user}': x is not an array");
        int width = -1;
        Kind kind = Kind.None;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            int sample = samples.Rows;
            string Where() => Place(path, user, sample);
            Kind item = json.TokenType switch
            {
                JsonTokenType.StartArray => Kind.Numbers,
                JsonTokenType.String => Kind.Text,
                _ => throw new InvalidDataException($"{Where()}: x is {Describe(json)}, expected an array of numbers or a string of characters"),
            };
            if (kind != Kind.None && item != kind)
                throw new InvalidDataException($"{Where()}: x is {Describe(json)}, earlier samples are {Plural(kind)} (a user's x are all strings or all arrays of numbers)");
            if (labels != Kind.None && item != labels)
                throw new InvalidDataException($"{Where()}: x is {Describe(json)}, but y holds {LabelsOf(labels)}; {Pairing}");
            kind = item;
            int read;
            if (item == Kind.Text)
            {
                int before = samples.FeatureValues;
                foreach (Rune c in json.Text!.EnumerateRunes()) samples.AddFeature(CharacterVocabulary.IndexOf(c));
                read = samples.FeatureValues - before;
            }
            else
            {
                read = json.ReadNumbers(ref samples.FeatureBuffer, ref samples.FeatureValues);
                if (read == -2) throw new InvalidDataException($"{Where()}: feature {json.Text} does not fit a float32");
                if (read < 0) throw new InvalidDataException($"{Where()}: x holds {Describe(json)}, expected only numbers (flatten nested rows)");
            }
            if (width < 0) width = read;
            else if (read != width)
                throw new InvalidDataException($"{Where()}: ragged {(item == Kind.Text ? $"window of {read} characters" : $"row of {read} features")}, sample 0 has {width}");
            if (read == 0) throw new InvalidDataException($"{Where()}: empty {(item == Kind.Text ? "window" : "feature row")}");
            samples.Rows++;
        }
        return kind;
    }

    /// <summary>
    /// Reads y: integer classes ≥ 0, or one-character strings whose <see cref="CharacterVocabulary"/>
    /// index is the label. <paramref name="rows"/> is the kind of x when x came first.
    /// </summary>
    private static Kind ReadLabels(JsonTokenStream json, string path, string user, UserSamples samples, Kind rows)
    {
        if (json.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: user '{user}': y is not an array");
        Kind kind = Kind.None;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            int sample = samples.LabelCount;
            string Where() => Place(path, user, sample);
            Kind item = json.TokenType == JsonTokenType.String ? Kind.Text : Kind.Numbers;
            if (kind != Kind.None && item != kind)
                throw new InvalidDataException($"{Where()}: label is {Describe(json)}, earlier labels are {LabelsOf(kind)}");
            if (rows != Kind.None && item != rows)
                throw new InvalidDataException($"{Where()}: label is {Describe(json)}, but x holds {Plural(rows)}; {Pairing}");
            kind = item;
            if (item == Kind.Text)
            {
                if (!TrySingleCharacter(json.Text!, out Rune c))
                    throw new InvalidDataException($"{Where()}: label is {Describe(json)}, expected one character (the one after the window)");
                samples.AddLabel(CharacterVocabulary.IndexOf(c));
            }
            else if (json.Integer is >= 0) samples.AddLabel(json.Integer.Value);
            else throw new InvalidDataException($"{Where()}: label is {Describe(json)}, expected an integer class ≥ 0");
        }
        return kind;
    }

    /// <summary>Where a sample is, for an error message: built only when one is thrown, not for every sample read.</summary>
    private static string Place(string path, string user, int sample) => $"{path}: user '{user}', sample {sample}";

    private const string Pairing = "text windows take one-character labels, arrays of numbers integer classes";

    private static string Plural(Kind kind) => kind == Kind.Text ? "strings (text)" : "arrays of numbers";

    private static string LabelsOf(Kind kind) => kind == Kind.Text ? "one-character strings" : "integer classes";

    /// <summary>
    /// Whether <paramref name="text"/> is one code point (as Python's <c>len</c> counts LEAF's labels);
    /// an unpaired surrogate counts as one character, outside the vocabulary.
    /// </summary>
    private static bool TrySingleCharacter(string text, out Rune character) =>
        Rune.DecodeFromUtf16(text, out character, out int used) != OperationStatus.NeedMoreData && used == text.Length;

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

    /// <summary>At most 20 characters of <paramref name="text"/>, control characters escaped as in JSON so an error stays one line.</summary>
    private static string Shorten(string text)
    {
        var shown = new StringBuilder();
        foreach (char c in text.Length <= 20 ? text : text[..20])
            shown.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return text.Length <= 20 ? shown.ToString() : shown.Append('…').ToString();
    }
}
