using Flute.Core.Registry;

namespace Flute.Core.Tests.Registry;

public sealed class ComponentRegistryTests
{
    [Fact]
    public void Create_finds_a_name_in_any_case_and_passes_the_context()
    {
        // Arrange
        var registry = new ComponentRegistry<int, string>("widget", "section.widget");
        registry.Register("double", "Doubles.", x => $"double {2 * x}");

        // Act
        string built = registry.Create("DOUBLE", 21);

        // Assert
        Assert.Equal("double 42", built);
        Assert.True(registry.Contains("Double"));
        Assert.False(registry.Contains("triple"));
    }

    [Fact]
    public void Names_and_descriptions_keep_registration_order()
    {
        // Arrange
        var registry = new ComponentRegistry<int, int>("widget");

        // Act
        registry.Register("zeta", "Last letter.", x => x);
        registry.Register("alpha", "First letter.", x => x);

        // Assert
        Assert.Equal(["zeta", "alpha"], registry.Names);
        Assert.Equal([new ComponentInfo("zeta", "Last letter."), new ComponentInfo("alpha", "First letter.")], registry.Components);
    }

    [Fact]
    public void Unknown_name_is_a_one_line_error_listing_the_registered_names()
    {
        // Arrange
        var registry = new ComponentRegistry<int, int>("strategy", "server.strategy");
        registry.Register("a", "A.", x => x);
        registry.Register("b", "B.", x => x);

        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => registry.Create("x", 0));

        // Assert
        Assert.StartsWith("unknown strategy 'x'; registered: a, b", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', registry.UnknownMessage("x"));
    }

    [Fact]
    public void Duplicate_names_are_refused_in_any_case()
    {
        // Arrange
        var registry = new ComponentRegistry<int, int>("widget");
        registry.Register("one", "One.", _ => 1);

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => registry.Register("ONE", "Another one.", _ => 2));

        // Assert: the first registration still stands.
        Assert.Contains("'ONE'", error.Message);
        Assert.Equal(1, registry.Create("one", 0));
        Assert.Equal(["one"], registry.Names);
    }

    [Fact]
    public void Unregister_removes_the_name_and_its_factory()
    {
        // Arrange
        var registry = new ComponentRegistry<int, int>("widget");
        registry.Register("one", "One.", _ => 1);
        registry.Register("two", "Two.", _ => 2);

        // Act
        bool removed = registry.Unregister("ONE");

        // Assert
        Assert.True(removed);
        Assert.False(registry.Unregister("one"));
        Assert.Equal(["two"], registry.Names);
        Assert.Throws<ArgumentException>(() => registry.Create("one", 0));
        registry.Register("one", "One again.", _ => 11);
        Assert.Equal(11, registry.Create("one", 0));
    }

    [Fact]
    public void Names_with_commas_or_surrounding_spaces_are_refused()
    {
        var registry = new ComponentRegistry<int, int>("widget");

        Assert.Throws<ArgumentException>(() => registry.Register("a,b", "Two names.", x => x));
        Assert.Throws<ArgumentException>(() => registry.Register(" a", "Padded.", x => x));
        Assert.Throws<ArgumentException>(() => registry.Register("a", " ", x => x));
    }

    [Fact]
    public void Core_kinds_cannot_be_replaced_by_attaching()
    {
        var strategies = new ComponentRegistry<int, int>("strategy");
        var models = new ComponentRegistry<int, int>(Components.ModelKind);

        Assert.Throws<ArgumentException>(() => Components.Attach(strategies));
        Assert.Throws<InvalidOperationException>(() => Components.Attach(models));
        Components.Attach(Components.Models);
    }
}
