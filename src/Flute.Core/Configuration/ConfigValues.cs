using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flute.Core.Configuration;

/// <summary>Reading typed values out of <see cref="ConfigNode"/>s and writing values into error messages.</summary>
internal static partial class ConfigValues
{
    private const int MaxQuotedLength = 60;

    public static object? ParseInt32(ConfigNode node) =>
        IsPlainScalar(node) && IntegerText().IsMatch(node.Text)
        && int.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : null;

    public static object? ParseUInt64(ConfigNode node)
    {
        if (!IsPlainScalar(node) || !IntegerText().IsMatch(node.Text)) return null;
        string text = node.Text.StartsWith('+') ? node.Text[1..] : node.Text;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;
    }

    public static object? ParseNumber(ConfigNode node) =>
        IsPlainScalar(node) && NumberText().IsMatch(node.Text)
        && double.TryParse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
        && double.IsFinite(value)
            ? value
            : null;

    public static object? ParseText(ConfigNode node) => node.Kind == ConfigNodeKind.Scalar ? node.Text : null;

    /// <summary>How a value found in the input reads in an error message: numbers bare, text quoted.</summary>
    public static string Describe(ConfigNode node) => node.Kind switch
    {
        ConfigNodeKind.Null => "an empty value",
        ConfigNodeKind.Mapping => "a mapping",
        ConfigNodeKind.Sequence => "a sequence",
        _ when !node.Quoted && NumberText().IsMatch(node.Text) => node.Text,
        _ => Quote(node.Text),
    };

    /// <summary>How a bound value reads in an error message or listing.</summary>
    public static string Format(object value) => value switch
    {
        string s => Quote(s),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Double-quoted, escaped and shortened so that user input cannot break the one-line message.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text.Length > MaxQuotedLength ? text[..MaxQuotedLength] : text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        if (text.Length > MaxQuotedLength) sb.Append('…');
        return sb.Append('"').ToString();
    }

    /// <summary>Levenshtein distance, for "did you mean" hints on misspelt keys.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    // A quoted "10" is a string in YAML and JSON; accepting it as a number would hide a mistake.
    private static bool IsPlainScalar(ConfigNode node) => node.Kind == ConfigNodeKind.Scalar && !node.Quoted;

    // .NET's parsers also accept "NaN", "Infinity", thousands separators and surrounding blanks;
    // the configuration language is narrower than that.
    [GeneratedRegex(@"^[+-]?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")]
    private static partial Regex NumberText();
}
