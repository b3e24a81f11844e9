using Flute.Core.Data;
using Flute.Core.Data.Import;
using Flute.Core.Data.Partitioned;
using Flute.Core.Data.Text;

namespace Flute.Core.Tests.Data.Import;

/// <summary>
/// LEAF's Shakespeare format: x items are windows of characters, y items the character that follows.
/// Indices by hand from <see cref="CharacterVocabulary.Characters"/>: '\n' 0, ' ' 1, '!' 2, '"' 3,
/// 'A' 25, 'O' 39, 'a' 53, 'b' 54, 'c' 55, 'e' 57, 'i' 61, 's' 71, 't' 72, 'y' 77, '}' 79; any
/// other character (’, a tab, an emoji) 80.
/// </summary>
public sealed class LeafTextImportTests : ImportFolder
{
    /// <summary>A LEAF file of one user whose x and y arrays hold the JSON items <paramref name="x"/> and <paramref name="y"/>.</summary>
    private static string Leaf(string user, int samples, string x, string y) =>
        $"{{\"users\": [\"{user}\"], \"num_samples\": [{samples}], \"user_data\": {{\"{user}\": {{\"x\": [{x}], \"y\": [{y}]}}}}}}";

    private static string One(string user, string x, string y) => Leaf(user, 1, x, y);

    [Fact]
    public void Text_windows_and_next_characters_become_vocabulary_indices_with_81_classes()
    {
        // Arrange: 3 training users of 3, 1 and 2 windows of 4 characters (JSON escapes \" \n \t \u2019
        // and a surrogate pair, one code point), a test file with two of them and a test-only user.
        string train = Write("train.json", """
            {"users": ["ROMEO", "JULIET", "NURSE"], "num_samples": [3, 1, 2], "hierarchies": [],
             "user_data": {
              "ROMEO": {"x": ["to b", "\"Ay\n", "it\u2019s"], "y": ["e", "\u2019", "!"]},
              "JULIET": {"x": ["O!\n\""], "y": ["\""]},
              "NURSE": {"y": ["}", "\t"], "x": ["}}}}", "a\ud83d\ude00bc"]}}}
            """);
        string test = Write("test.json", """
            {"users": ["NURSE", "CHORUS"], "num_samples": [1, 1],
             "user_data": {"NURSE": {"x": ["bye "], "y": ["\n"]}, "CHORUS": {"x": ["Two "], "y": ["h"]}}}
            """);

        // Act
        ImportSummary summary = FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, shape: null, classes: 0);

        // Assert
        Assert.Equal((3, 6L, 2L, 1), (summary.Clients, summary.TrainSamples, summary.TestSamples, summary.TestOnlyUsers));
        Assert.Equal([4], summary.SampleShape);
        Assert.Equal(81, summary.ClassCount); // the vocabulary, though the labels reach only 80
        using var file = PartitionedFile.Open(Output);
        Assert.Equal([4], file.SampleShape);
        Assert.Equal(CharacterVocabulary.Size, file.ClassCount);
        Dataset romeo = file.ReadClient(0);
        Assert.Equal([72, 67, 1, 54, 3, 25, 77, 0, 61, 72, 80, 71], Floats(romeo)); // 'o' 67
        Assert.Equal([57, 80, 2], romeo.Labels);
        Dataset juliet = file.ReadClient(1);
        Assert.Equal([39, 2, 0, 3], Floats(juliet));
        Assert.Equal([3], juliet.Labels);
        Dataset nurse = file.ReadClient(2);
        Assert.Equal([79, 79, 79, 79, 53, 80, 54, 55], Floats(nurse));
        Assert.Equal([79, 80], nurse.Labels);
        Assert.Equal([54, 77, 57, 1], Floats(file.ReadClientTest(2)));
        Assert.Equal([0, 60], file.ReadTest().Labels); // NURSE's '\n', then CHORUS's 'h' (60)
    }

    [Fact]
    public void Classes_below_the_vocabulary_are_refused_for_text_and_more_are_kept()
    {
        string train = Write("train.json", One("u1", "\"abcd\"", "\"e\""));
        string test = Write("test.json", One("u1", "\"bcde\"", "\"f\""));

        var few = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 80));
        ImportSummary more = FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 100);

        Assert.Equal($"{train}: --classes 80 is below the 81 characters of the vocabulary: text windows hold indices 0–80, and the lstm and gru models take the class count as their vocabulary", few.Message);
        Assert.Equal(100, more.ClassCount);
    }

    [Theory]
    [InlineData(1, "\"abcd\"", "\"ef\"", "user 'u1', sample 0: label is the string \"ef\", expected one character (the one after the window)")]
    [InlineData(1, "\"abcd\"", "\"\"", "user 'u1', sample 0: label is the string \"\", expected one character")]
    [InlineData(1, "\"abcd\"", "\"\\n\\n\"", "label is the string \"\\n\\n\", expected one character")]
    [InlineData(1, "\"abcd\"", "3", "user 'u1', sample 0: label is 3, but x holds strings (text); text windows take one-character labels, arrays of numbers integer classes")]
    [InlineData(1, "[1, 2]", "\"a\"", "user 'u1', sample 0: label is the string \"a\", but x holds arrays of numbers")]
    [InlineData(2, "\"abcd\", \"bcd\"", "\"e\", \"f\"", "user 'u1', sample 1: ragged window of 3 characters, sample 0 has 4")]
    [InlineData(2, "\"abcd\", [1, 2, 3, 4]", "\"e\", \"f\"", "user 'u1', sample 1: x is an array, earlier samples are strings (text) (a user's x are all strings or all arrays of numbers)")]
    [InlineData(2, "[1, 2, 3, 4], \"abcd\"", "1, 2", "user 'u1', sample 1: x is the string \"abcd\", earlier samples are arrays of numbers")]
    [InlineData(2, "\"abcd\", \"bcde\"", "\"e\", 2", "user 'u1', sample 1: label is 2, earlier labels are one-character strings")]
    [InlineData(1, "\"\"", "\"e\"", "user 'u1', sample 0: empty window")]
    [InlineData(1, "5", "\"e\"", "user 'u1', sample 0: x is 5, expected an array of numbers or a string of characters")]
    public void Malformed_text_fails_with_one_line_naming_the_file_user_and_sample_and_leaves_no_file(int samples, string x, string y, string expected)
    {
        string train = Write("bad.json", Leaf("u1", samples, x, y));
        string test = Write("test.json", One("u1", "\"abcd\"", "\"e\""));

        string message = FailingLeafImport(train, test, named: train);

        Assert.Contains(expected, message);
    }

    [Fact]
    public void X_after_y_is_checked_against_y()
    {
        string train = Write("bad.json", """{"users": ["u1"], "num_samples": [1], "user_data": {"u1": {"y": ["a"], "x": [[1, 2]]}}}""");
        string test = Write("test.json", One("u1", "\"abcd\"", "\"e\""));

        string message = FailingLeafImport(train, test, named: train);

        Assert.Equal($"{train}: user 'u1', sample 0: x is an array, but y holds one-character strings; text windows take one-character labels, arrays of numbers integer classes", message);
    }

    [Fact]
    public void Users_whose_samples_are_text_after_numbers_or_numbers_after_text_or_another_window_are_errors()
    {
        string text = Write("text.json", One("t", "\"abcd\"", "\"e\""));
        string numbers = Write("numbers.json", One("n", "[1, 2, 3, 4]", "0"));
        string shorter = Write("shorter.json", One("s", "\"abc\"", "\"e\""));
        string test = Write("test.json", One("t", "\"abcd\"", "\"e\""));

        var textAfter = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [numbers, text], [test], Output, null, 0));
        var numbersAfter = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [text, numbers], [test], Output, null, 0));
        var window = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [text, shorter], [test], Output, null, 0));
        var testIsNumbers = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [text], [numbers], Output, null, 0));

        Assert.Equal($"{text}: user 't': samples are text (strings of characters), earlier users' are arrays of numbers", textAfter.Message);
        Assert.Equal($"{numbers}: user 'n': samples are arrays of numbers, earlier users' are text (strings of characters)", numbersAfter.Message);
        Assert.Equal($"{shorter}: user 's': samples have 3 characters, earlier users' have 4", window.Message);
        Assert.Equal($"{numbers}: user 'n': samples are arrays of numbers, earlier users' are text (strings of characters)", testIsNumbers.Message);
        Assert.Empty(Directory.GetFiles(Dir, "out.flpf*"));
    }
}
