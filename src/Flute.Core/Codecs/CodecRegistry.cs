using System.Collections.Concurrent;

namespace Flute.Core.Codecs;

/// <summary>
/// Update codecs by name. A name may carry one argument after a colon ("topk:0.01"); the factory
/// registered for the part before the colon receives the rest (null when there is none). Instances are
/// cached per full name, since a codec is stateless and one decodes every payload of a round.
/// </summary>
public static class CodecRegistry
{
    /// <summary>Separates a codec's name from its argument.</summary>
    public const char ArgumentSeparator = ':';

    private static readonly ConcurrentDictionary<string, Func<string?, IUpdateCodec>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            [Float32Codec.CodecName] = argument => argument is null
                ? Float32Codec.Instance
                : throw new ArgumentException($"Codec '{Float32Codec.CodecName}' takes no argument, got '{argument}'."),
        };

    private static readonly ConcurrentDictionary<string, IUpdateCodec> Instances = new(StringComparer.Ordinal);

    /// <summary>The registered codec names (without arguments).</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers a codec factory; the argument is the text after the colon, or null.</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, Func<string?, IUpdateCodec> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (name.Contains(ArgumentSeparator))
        {
            throw new ArgumentException($"A codec name cannot contain '{ArgumentSeparator}'.", nameof(name));
        }
        if (!Factories.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"A codec named '{name}' is already registered.");
        }
    }

    /// <summary>Returns the codec for a full name such as "float32" or "topk:0.01".</summary>
    /// <exception cref="ArgumentException">No codec of that name is registered, or its argument is invalid.</exception>
    public static IUpdateCodec Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Instances.TryGetValue(name, out IUpdateCodec? codec) ? codec : Instances.GetOrAdd(name, Create);
    }

    private static IUpdateCodec Create(string fullName)
    {
        int colon = fullName.IndexOf(ArgumentSeparator);
        string name = colon < 0 ? fullName : fullName[..colon];
        string? argument = colon < 0 ? null : fullName[(colon + 1)..];
        if (!Factories.TryGetValue(name, out Func<string?, IUpdateCodec>? factory))
        {
            throw new ArgumentException($"Unknown codec '{name}'. Registered codecs: {string.Join(", ", Names)}.", nameof(fullName));
        }
        return factory(argument);
    }
}
