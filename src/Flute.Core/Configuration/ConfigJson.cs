using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Flute.Core.Configuration;

/// <summary>
/// The canonical JSON form of a validated config: snake_case names, sections and keys in
/// <see cref="ConfigSchema.Keys"/> order, no whitespace. Grains receive the config this way, and
/// checkpoints record <see cref="Hash"/> of it to refuse resuming under a different config.
/// </summary>
public static class ConfigJson
{
    private const string SourceName = "config JSON";

    /// <summary>The canonical JSON text; equal configs give equal text.</summary>
    public static string Serialize(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (string section in ConfigSchema.Sections)
            {
                writer.WriteStartObject(section);
                foreach (ConfigKey key in ConfigSchema.KeysOf(section))
                {
                    key.WriteJson(writer, config);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads JSON written by <see cref="Serialize"/>, with the same checks as <see cref="ConfigLoader"/>.</summary>
    /// <exception cref="ConfigException">The JSON is malformed, or any key is unknown or invalid.</exception>
    public static FluteConfig Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ConfigException(SourceName,
                $"malformed JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}");
        }
        using (document)
        {
            var values = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
            ConfigBinder.Collect(Convert(document.RootElement), SourceName, values);
            return ConfigBinder.Bind(values);
        }
    }

    /// <summary>Lower-case hex SHA-256 of <see cref="Serialize"/>'s UTF-8 bytes.</summary>
    public static string Hash(FluteConfig config) =>
        System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Serialize(config))));

    /// <summary>
    /// The keys (full paths, schema order) whose values differ between two configs, leaving out
    /// <see cref="ConfigSchema.ResumeNeutralKeys"/>: empty means a resume under <paramref name="proposed"/>
    /// computes the same model as <paramref name="stored"/> would have.
    /// </summary>
    public static IReadOnlyList<string> ResultDifferences(FluteConfig stored, FluteConfig proposed)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(proposed);
        var different = new List<string>();
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            if (ConfigSchema.ResumeNeutralKeys.Contains(key.Path)) continue;
            if (ValueJson(key, stored) != ValueJson(key, proposed)) different.Add(key.Path);
        }
        return different;
    }

    /// <summary>Lower-case hex SHA-256 over the keys that determine results (all but <see cref="ConfigSchema.ResumeNeutralKeys"/>).</summary>
    public static string ResultHash(FluteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var text = new StringBuilder();
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            if (ConfigSchema.ResumeNeutralKeys.Contains(key.Path)) continue;
            text.Append(key.Path).Append('=').Append(ValueJson(key, config)).Append('\n');
        }
        return System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string ValueJson(ConfigKey key, FluteConfig config)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            key.WriteJson(writer, config);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static ConfigNode Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ConfigNode.Mapping([.. element.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Convert(p.Value)))]),
        JsonValueKind.Array => ConfigNode.Sequence,
        JsonValueKind.String => ConfigNode.Scalar(element.GetString()!, quoted: true),
        JsonValueKind.Number => ConfigNode.Scalar(element.GetRawText(), quoted: false),
        JsonValueKind.True => ConfigNode.Scalar("true", quoted: false),
        JsonValueKind.False => ConfigNode.Scalar("false", quoted: false),
        _ => ConfigNode.Null,
    };
}
