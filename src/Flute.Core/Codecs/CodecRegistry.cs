using System.Collections.Concurrent;
using Flute.Core.Registry;

namespace Flute.Core.Codecs;

/// <summary>
/// Codecs by full name. A name may carry one argument after a colon ("topk:0.01"); the factory
/// registered in <see cref="Components.Codecs"/> for the part before the colon receives the rest (null
/// when there is none). Instances are cached per full name, since a codec is stateless and one decodes
/// every payload of a round.
/// </summary>
public static class CodecRegistry
{
    /// <summary>Separates a codec's name from its argument.</summary>
    public const char ArgumentSeparator = ':';

    private static readonly ConcurrentDictionary<string, IUpdateCodec> Instances = new(StringComparer.Ordinal);

    /// <summary>The registered codec names (without arguments), in registration order.</summary>
    public static IReadOnlyList<string> Names => Components.Codecs.Names;

    /// <summary>Registers a codec; the factory's argument is the text after the colon, or null.</summary>
    /// <exception cref="InvalidOperationException">The name is already registered.</exception>
    public static void Register(string name, string description, Func<string?, IUpdateCodec> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(ArgumentSeparator))
        {
            throw new ArgumentException($"A codec name cannot contain '{ArgumentSeparator}'.", nameof(name));
        }
        Components.Codecs.Register(name, description, factory);
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
        return Components.Codecs.Create(name, argument);
    }
}
