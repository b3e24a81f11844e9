namespace Flute.Core.Data.Text;

/// <summary>
/// The fixed character vocabulary of the text data sets: LEAF's 80 Shakespeare characters (Caldas et
/// al. 2018, <c>ALL_LETTERS</c> of LEAF's language utilities) at indices 0–79, in that order, and every
/// other character at <see cref="UnknownIndex"/> (80). The class count is therefore always
/// <see cref="Size"/> (81), whatever the text, so a model's shape never depends on the data.
/// </summary>
public static class CharacterVocabulary
{
    /// <summary>LEAF's characters: newline, space, punctuation, digits, A–Z, brackets, a–z and '}'.</summary>
    public const string Characters = "\n !\"&'(),-.0123456789:;>?ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz}";

    /// <summary>The index of every character outside <see cref="Characters"/> (e.g. '$', '%', '—', '’').</summary>
    public const int UnknownIndex = 80;

    /// <summary>Number of classes: the 80 characters and the unknown index.</summary>
    public const int Size = UnknownIndex + 1;

    // Every character of the vocabulary is ASCII, so a 128-entry table answers each lookup.
    private static readonly byte[] AsciiIndex = BuildTable();

    /// <summary>The index of <paramref name="c"/>: its position in <see cref="Characters"/>, or <see cref="UnknownIndex"/>.</summary>
    public static byte IndexOf(char c) => c < AsciiIndex.Length ? AsciiIndex[c] : (byte)UnknownIndex;

    /// <summary>
    /// The index of the code point <paramref name="rune"/>: a character outside the Basic Multilingual
    /// Plane (one code point, as Python's <c>len</c> counts it, but two UTF-16 chars) is <see cref="UnknownIndex"/>.
    /// </summary>
    public static byte IndexOf(System.Text.Rune rune) => rune.IsAscii ? AsciiIndex[rune.Value] : (byte)UnknownIndex;

    /// <summary>The indices of <paramref name="text"/>'s characters, one byte each.</summary>
    public static byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var encoded = new byte[text.Length];
        for (int i = 0; i < text.Length; i++) encoded[i] = IndexOf(text[i]);
        return encoded;
    }

    /// <summary>The character at <paramref name="index"/>; U+FFFD for <see cref="UnknownIndex"/>.</summary>
    public static char CharacterAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return index == UnknownIndex ? '\uFFFD' : Characters[index];
    }

    private static byte[] BuildTable()
    {
        var table = new byte[128];
        Array.Fill(table, (byte)UnknownIndex);
        for (int i = 0; i < Characters.Length; i++) table[Characters[i]] = (byte)i;
        return table;
    }
}
