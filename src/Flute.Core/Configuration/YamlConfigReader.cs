using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Flute.Core.Configuration;

/// <summary>YAML text to <see cref="ConfigNode"/>s, with parser failures turned into one-line <see cref="ConfigException"/>s.</summary>
internal static partial class YamlConfigReader
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>Parses a configuration document; an empty document gives <see cref="ConfigNode.Null"/>.</summary>
    public static ConfigNode ReadDocument(string yaml, string sourceName)
    {
        YamlStream stream = Parse(yaml, (at, reason) => new ConfigException(sourceName,
            $"malformed YAML at line {at.Line}, column {at.Column}: {reason}"));
        return stream.Documents.Count switch
        {
            0 => ConfigNode.Null,
            1 => Convert(stream.Documents[0].RootNode, sourceName),
            int n => throw new ConfigException(sourceName, $"expected one YAML document, found {n}"),
        };
    }

    /// <summary>Parses the value half of a <c>--set key=value</c> as YAML, so it reads exactly as it would in the file.</summary>
    public static ConfigNode ReadValue(string text, string keyPath)
    {
        YamlStream stream = Parse(text, (_, reason) => new ConfigException(keyPath, $"malformed value in --set: {reason}"));
        return stream.Documents.Count switch
        {
            0 => ConfigNode.Null,
            1 => Convert(stream.Documents[0].RootNode, keyPath),
            int n => throw new ConfigException(keyPath, $"expected one value in --set, found {n} YAML documents"),
        };
    }

    private static YamlStream Parse(string text, Func<Mark, string, ConfigException> error)
    {
        // A first pass over parser events finds syntax errors. It exists because YamlDotNet's scanner
        // fails on some inputs (an unclosed "[" running into the next block key) with a bare
        // InvalidOperationException; the last event parsed then says where the trouble starts.
        var parser = new Parser(new StringReader(text));
        Mark lastGood = Mark.Empty;
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (parser.MoveNext())
            {
                ParsingEvent current = parser.Current!;
                // YamlDotNet reports an unknown alias at line 1, column 1; here its real position is known.
                if (current is AnchorAlias alias && !anchors.Contains(alias.Value.Value))
                {
                    throw error(alias.Start, $"alias *{alias.Value.Value} refers to no anchor defined before it");
                }
                if (current is NodeEvent { Anchor.IsEmpty: false } node) anchors.Add(node.Anchor.Value);
                lastGood = current.End;
            }
        }
        catch (YamlException e)
        {
            throw error(e.Start, Reason(e));
        }
        catch (InvalidOperationException)
        {
            throw error(lastGood, "cannot parse the text after this point (an unclosed bracket or quote?)");
        }

        // The second pass builds the tree and finds what events alone do not: duplicate keys, unknown aliases.
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw error(e.Start, Reason(e));
        }
        return stream;
    }

    private static ConfigNode Convert(YamlNode node, string sourceName) => node switch
    {
        YamlScalarNode scalar => ConvertScalar(scalar),
        YamlSequenceNode => ConfigNode.Sequence,
        YamlMappingNode mapping => ConfigNode.Mapping([.. mapping.Children.Select(entry => KeyValuePair.Create(
            entry.Key is YamlScalarNode { Value: { } key } ? key
                : throw new ConfigException(sourceName,
                    $"expected a key name at line {entry.Key.Start.Line}, column {entry.Key.Start.Column}, found {ConfigValues.Describe(Convert(entry.Key, sourceName))}"),
            Convert(entry.Value, sourceName)))]),
        _ => throw new ConfigException(sourceName, $"unsupported YAML node at line {node.Start.Line}, column {node.Start.Column}"),
    };

    private static ConfigNode ConvertScalar(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        bool quoted = scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == StringTag);
        // YAML's null spellings; "k:" with nothing after it is null too.
        if (!quoted && text is "" or "~" or "null" or "Null" or "NULL") return ConfigNode.Null;
        return ConfigNode.Scalar(text, quoted);
    }

    // Some YamlDotNet versions prefix the reason with the marks; the message already gives line and column.
    private static string Reason(YamlException e) => MarkPrefix().Replace(e.Message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex MarkPrefix();
}
