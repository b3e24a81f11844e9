using Flute.Core.Configuration;

namespace Flute.Core.Tests.Configuration;

/// <summary>
/// Keeps docs/configuration.md's layout and its example error messages in step with the schema:
/// both list sections or keys, so they go stale whenever one is added.
/// </summary>
public sealed class ConfigurationDocsTests
{
    private static readonly string[] NumberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private static string[] Doc => File.ReadAllLines(Path.Combine(RepositoryRoot.Find(), "docs", "configuration.md"));

    [Fact]
    public void The_layout_names_every_section_and_counts_them()
    {
        // Arrange
        string[] sections = [.. ConfigSchema.Keys.Select(k => k.Path[..k.Path.IndexOf('.')]).Distinct()];
        string[] doc = Doc;

        // Act
        string[] tableSections = [.. doc.SkipWhile(l => l != "## Layout").SkipWhile(l => !l.StartsWith("| Section", StringComparison.Ordinal))
            .Skip(2).TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|', StringSplitOptions.TrimEntries)[1].Trim('`'))];

        // Assert
        Assert.Equal(sections, tableSections);
        Assert.Contains(doc, l => l.Contains($"a mapping of {NumberWords[sections.Length]} sections", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("experiment:\n  rounds: 2\nserver:\n  clients_per_rnd: 5\n")]
    [InlineData("experiment:\n  rounds: 2\nserverr:\n  lr: 1\n")]
    [InlineData("experiment:\n  rounds: 2\nserver: 5\n")]
    public void The_example_errors_that_list_keys_or_sections_are_the_messages_flute_prints(string yaml)
    {
        // Arrange
        string message = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(yaml, "x.yaml", [])).Message;

        // Act and assert: the exact line is in the page's examples.
        Assert.Contains(message, Doc);
    }
}
