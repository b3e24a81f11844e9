using System.Reflection;
using System.Text.Json;
using Flute.Core.Configuration;
using Flute.Core.Registry;
using Flute.Core.Strategies;

namespace Flute.Core.Tests.Configuration;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
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
            // The devices policies are only valid with the clock on.
            string[] needs = key.Section == "devices" && key.Path != "devices.clock" ? ["devices.clock=on"] : [];
            FluteConfig c = ConfigLoader.LoadText("experiment:\n  rounds: 2\n", "k.yaml", [.. needs, $"{key.Path}={text}"]);

            // Assert: read back through reflection, not through the schema's own getter.
            Assert.Equal(value, PropertyValue(c, key.Path));
        }
    }

    [Fact]
    public void Name_keys_accept_exactly_the_registered_or_listed_names()
    {
        // Arrange: component keys read their registry; the rest are fixed settings.
        var lists = new Dictionary<string, IReadOnlyList<string>>
        {
            ["data.dataset"] = Components.Datasets.Names,
            ["data.partition"] = Components.Partitions.Names,
            ["model.name"] = Components.Models.Names,
            ["client.optimizer"] = Components.ClientOptimizers.Names,
            ["server.strategy"] = Components.Strategies.Names,
            ["server.optimizer"] = Components.ServerOptimizers.Names,
            ["client.lr_schedule"] = KnownNames.LrSchedules,
            ["server.lr_schedule"] = KnownNames.ServerLrSchedules,
            ["server.aggregation"] = KnownNames.Aggregations,
            ["server.client_eval"] = KnownNames.ClientEvaluations,
            ["attack.type"] = KnownNames.AttackTypes,
            ["devices.clock"] = KnownNames.OffOn,
            ["server.secure_aggregation"] = KnownNames.OffOn,
            ["silo.compute"] = KnownNames.ComputeModes,
            ["storage.provider"] = KnownNames.StorageProviders,
            ["storage.best_metric"] = KnownNames.BestMetrics,
            ["data.text_clients"] = KnownNames.TextClients,
            ["privacy.weighting"] = KnownNames.DpWeightings,
            ["privacy.adaptive_clipping"] = KnownNames.OffOn,
            ["server.sampling"] = KnownNames.Samplings,
        };

        // Act
        var nameKeys = ConfigSchema.Keys.Where(k => k.Type == ConfigValueType.Name).ToList();

        // Assert
        Assert.Equal(lists.Keys.Order(StringComparer.Ordinal), nameKeys.Select(k => k.Path).Order(StringComparer.Ordinal));
        foreach (ConfigKey key in nameKeys)
        {
            Assert.Equal(lists[key.Path], key.AllowedNames);
        }
        Assert.Equal(["mnist", "fashion-mnist", "synthetic", "partitioned", "sotu"], Components.Datasets.Names);
        Assert.Equal(["iid", "dirichlet", "shards", "powerlaw"], Components.Partitions.Names);
        Assert.Equal(string.Join(", ", Components.Strategies.Names), ConfigSchema.Find("server.strategy")!.Allowed);
    }

    [Fact]
    public void Every_registry_with_a_config_key_is_the_one_that_key_reads()
    {
        foreach (ComponentRegistry registry in Components.All.Where(r => r.ConfigKey is not null))
        {
            ConfigKey? key = ConfigSchema.Find(registry.ConfigKey!);

            Assert.True(key is not null, $"{registry.Kind}: no config key {registry.ConfigKey}");
            Assert.Equal(registry.Names, key!.AllowedNames);
        }
    }

    [Fact]
    public void Registering_a_strategy_is_what_makes_its_name_valid_in_a_config()
    {
        // Arrange
        const string Yaml = "experiment:\n  rounds: 2\nserver:\n  strategy: test-dummy\n";
        string builtIn = string.Join(", ", Components.Strategies.Names);
        var before = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(Yaml, "s.yaml", []));

        // Act
        Components.Strategies.Register("test-dummy", "A strategy only this test knows.", _ => new FedAvg());
        FluteConfig config;
        string allowed;
        try
        {
            config = ConfigLoader.LoadText(Yaml, "s.yaml", []);
            allowed = ConfigSchema.Find("server.strategy")!.Allowed;
        }
        finally
        {
            Components.Strategies.Unregister("test-dummy");
        }

        // Assert: unknown before, valid and listed while registered, unknown again after.
        Assert.Equal($"config error: server.strategy: expected one of {builtIn}, found \"test-dummy\"", before.Message);
        Assert.Equal("test-dummy", config.Server.Strategy);
        Assert.Equal($"{builtIn}, test-dummy", allowed);
        Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(Yaml, "s.yaml", []));
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
        // A list of no paths: loading a real plug-in takes Flute.Grains (Flute.Client.Tests' PluginTests).
        "experiment.plugins" => ("' , '", ""),
        "data.dir" => ("some/dir", "some/dir"),
        "data.file" => ("some/file", "some/file"),
        "devices.trace" or "devices.availability" => ("some/trace.csv", "some/trace.csv"),
        "devices.clock" => ("on", "on"),
        "data.partition" => ("shards", "shards"),
        "model.name" => ("cnn", "cnn"),
        "storage.dir" => ("some/store", "some/store"),
        "storage.provider" => ("none", "none"),
        "storage.best_metric" => ("loss", "loss"),
        "client.optimizer" => ("adam", "adam"),
        "client.lr_schedule" => ("cosine", "cosine"),
        "client.codec" => ("quant:8", "quant:8"),
        "client.update_steps" => ("clip,local_dp", "clip,local_dp"),
        "server.aggregate_steps" => ("gaussian_noise,clip", "gaussian_noise,clip"),
        "server.metrics" => ("macro_f1,top5_accuracy", "macro_f1,top5_accuracy"),
        // Must stay ≤ client.lr and server.lr (defaults 0.01 and 1).
        "client.lr_min" or "server.lr_min" => ("0.005", 0.005),
        // Single-name lists have no other valid value; writing the one name must still land in the property.
        _ when key.Type == ConfigValueType.Name => (key.AllowedNames![0], key.AllowedNames[0]),
        _ when key.Type == ConfigValueType.Number => ("0.125", 0.125),
        _ => (((int)key.GetValue(new FluteConfig()) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            (int)key.GetValue(new FluteConfig()) + 1),
    };
}
