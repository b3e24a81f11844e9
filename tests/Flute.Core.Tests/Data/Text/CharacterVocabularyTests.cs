using Flute.Core.Data.Text;

namespace Flute.Core.Tests.Data.Text;

public sealed class CharacterVocabularyTests
{
    [Fact]
    public void HasLeafsEightyCharactersAndOneUnknownIndex()
    {
        Assert.Equal(80, CharacterVocabulary.Characters.Length);
        Assert.Equal(80, CharacterVocabulary.Characters.Distinct().Count());
        Assert.Equal(81, CharacterVocabulary.Size);
    }

    [Theory]
    // Positions in "\n !\"&'(),-.0123456789:;>?A…Z[]a…z}".
    [InlineData('\n', 0)]
    [InlineData(' ', 1)]
    [InlineData('.', 10)]
    [InlineData('0', 11)]
    [InlineData('9', 20)]
    [InlineData('?', 24)]
    [InlineData('A', 25)]
    [InlineData('Z', 50)]
    [InlineData('a', 53)]
    [InlineData('z', 78)]
    [InlineData('}', 79)]
    // Outside LEAF's set: ASCII and not.
    [InlineData('$', 80)]
    [InlineData('%', 80)]
    [InlineData('\u2014', 80)]
    [InlineData('\u2019', 80)]
    public void IndexOfFollowsLeafsOrder(char c, int expected)
    {
        Assert.Equal(expected, CharacterVocabulary.IndexOf(c));
    }

    [Fact]
    public void EncodesTextCharacterByCharacterAndDecodesBack()
    {
        byte[] encoded = CharacterVocabulary.Encode("Hi, $5!");

        Assert.Equal(new byte[] { 32, 61, 8, 1, 80, 16, 2 }, encoded);
        Assert.Equal("Hi, \uFFFD5!", new string(encoded.Select(b => CharacterVocabulary.CharacterAt(b)).ToArray()));
    }
}
