using System.Reflection;
using System.Text.Json;
using Flute.Core.Configuration;

namespace Flute.Core.Tests.Configuration;

public sealed class ConfigSchemaTests
{
    [Fact]
    public void Every_property_of_FluteConfig_has_exactly_one_key()
    {
        // Arrange: the snake_case path of every section property, by reflection.
        var expected = typeof(FluteConfig).GetProperties()
            .SelectMany(section => section.PropertyType.GetProperties().Select(p =>
                $"{Snake(section.Name)}.{Snake(p.Name)}"))
            .ToList();

        // Act
        var paths = ConfigSchema.Keys.Select(k => k.Path).ToList();

        // Assert
        Assert.Equal(expected.Order(StringComparer.Ordinal), paths.Order(StringComparer.Ordinal));
        Assert.Equal(paths.Count, paths.Distinct().Count());
    }

    [Fact]
    public void Every_key_sets_the_property_its_path_names()
    {
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            // Arrange: a valid value different from the default.
            (string text, object value) = NonDefault(key);

            // Act
            FluteConfig c = ConfigLoader.LoadText("experiment:\n  rounds: 2\n", "k.yaml", [$"{key.Path}={text}"]);

            // Assert: read back through reflection, not through the schema's own getter.
            Assert.Equal(value, PropertyValue(c, key.Path));
        }
    }

    [Fact]
    public void Name_keys_accept_exactly_the_known_names()
    {
        // Arrange
        var lists = new Dictionary<string, string[]>
        {
            ["data.dataset"] = KnownNames.Datasets,
            ["data.partition"] = KnownNames.Partitions,
            ["model.name"] = KnownNames.Models,
            ["client.optimizer"] = KnownNames.ClientOptimizers,
            ["server.strategy"] = KnownNames.Strategies,
            ["server.optimizer"] = KnownNames.ServerOptimizers,
            ["server.aggregation"] = KnownNames.Aggregations,
            ["silo.compute"] = KnownNames.ComputeModes,
            ["storage.provider"] = KnownNames.StorageProviders,
            ["storage.best_metric"] = KnownNames.BestMetrics,
        };

        // Act
        var nameKeys = ConfigSchema.Keys.Where(k => k.Type == ConfigValueType.Name).ToList();

        // Assert
        Assert.Equal(lists.Keys.Order(StringComparer.Ordinal), nameKeys.Select(k => k.Path).Order(StringComparer.Ordinal));
        foreach (ConfigKey key in nameKeys)
        {
            Assert.Equal(lists[key.Path], key.AllowedNames);
        }
        Assert.Equal(["logreg", "mlp", "cnn", "cnn-small"], KnownNames.Models);
        Assert.Equal(["iid", "dirichlet", "shards", "powerlaw"], KnownNames.Partitions);
    }

    [Fact]
    public void Every_key_is_documented_with_its_type_default_and_names()
    {
        // Arrange
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Find(), "docs", "configuration.md"));

        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            // Act: the key's row in the reference table.
            string? row = lines.FirstOrDefault(l => l.StartsWith($"| `{key.Path}` |", StringComparison.Ordinal));

            // Assert
            Assert.True(row is not null, $"docs/configuration.md has no table row for {key.Path}");
            string[] cells = row!.Split('|', StringSplitOptions.TrimEntries);
            Assert.True(cells.Length >= 6, $"{key.Path}: row needs key, type, default, allowed, meaning");
            Assert.Equal(key.TypeName, cells[2]);
            Assert.Equal(key.Required ? "required" : $"`{key.Default}`", cells[3]);
            foreach (string name in key.AllowedNames ?? [])
            {
                Assert.Contains($"`{name}`", cells[4]);
            }
        }
    }

    private static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static object? PropertyValue(FluteConfig config, string path)
    {
        string[] parts = path.Split('.');
        PropertyInfo section = typeof(FluteConfig).GetProperties().Single(p => Snake(p.Name) == parts[0]);
        object sectionValue = section.GetValue(config)!;
        return section.PropertyType.GetProperties().Single(p => Snake(p.Name) == parts[1]).GetValue(sectionValue);
    }

    private static (string Text, object Value) NonDefault(ConfigKey key) => key.Path switch
    {
        "experiment.seed" => ("7", 7UL),
        "experiment.name" => ("other", "other"),
        "data.dir" => ("some/dir", "some/dir"),
        "data.file" => ("some/file", "some/file"),
        "data.partition" => ("shards", "shards"),
        "model.name" => ("cnn", "cnn"),
        "storage.dir" => ("some/store", "some/store"),
        "storage.provider" => ("none", "none"),
        "storage.best_metric" => ("loss", "loss"),
        // Single-name lists have no other valid value; writing the one name must still land in the property.
        _ when key.Type == ConfigValueType.Name => (key.AllowedNames![0], key.AllowedNames[0]),
        _ when key.Type == ConfigValueType.Number => ("0.125", 0.125),
        _ => (((int)key.GetValue(new FluteConfig()) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            (int)key.GetValue(new FluteConfig()) + 1),
    };
}
