using Flute.Core.Configuration;

namespace Flute.Core.Tests.Configuration;

public sealed class ConfigJsonTests
{
    // Written by hand from FluteConfig's initializers, in schema order; its SHA-256 was computed independently (Python hashlib).
    private const string DefaultJson =
        """{"experiment":{"name":"experiment","seed":0,"rounds":1,"plugins":""},"data":{"dataset":"mnist","partition":"iid","num_clients":100,"alpha":0.5,"file":"","beta":1,"max_samples_per_client":1000,"shards_per_client":2,"dir":"","validation_fraction":0,"seq_len":80,"text_clients":"president"},"model":{"name":"logreg","hidden":200},"client":{"optimizer":"sgd","lr":0.01,"batch_size":32,"local_epochs":1,"max_samples":0,"momentum":0,"weight_decay":0,"adam_beta1":0.9,"adam_beta2":0.999,"adam_eps":1E-08,"max_grad_norm":0,"lr_schedule":"constant","lr_gamma":0.1,"lr_step_rounds":10,"lr_min":0,"codec":"float32","update_steps":""},"server":{"strategy":"fedavg","optimizer":"sgd","lr":1,"momentum":0,"beta1":0.9,"beta2":0.99,"tau":0.001,"lr_schedule":"constant","lr_gamma":0.1,"lr_step_rounds":10,"lr_min":0,"clients_per_round":10,"sampling":"fixed","eval_every":10,"max_in_flight":0,"max_retries":3,"eval_batch_size":1000,"metrics":"","aggregation":"auto","proximal_mu":0.01,"trim_fraction":0.2,"byzantine_clients":2,"multikrum_selected":0,"dga_beta":1,"dga_stale_prob":0,"qffl_q":1,"qffl_lipschitz":0,"client_eval":"none","client_test_fraction":0.2,"personalization_steps":0,"fedbuff_concurrency":20,"fedbuff_buffer":10,"secure_aggregation":"off","aggregate_steps":""},"attack":{"type":"none","fraction":0,"scale":1},"devices":{"clock":"off","speed_median":50,"speed_sigma":0.8,"bandwidth_median":1000000,"bandwidth_sigma":0.8,"trace":"","availability":"","availability_period":0,"deadline":0,"over_commit":0,"dropout":0},"privacy":{"clip_norm":1,"noise_multiplier":1,"delta":1E-05,"weighting":"uniform","target_epsilon":0,"adaptive_clipping":"off","target_quantile":0.5,"clip_learning_rate":0.2,"clipped_count_stddev":0,"local_epsilon":1,"local_delta":1E-05,"local_clip_norm":1,"aggregate_clip_norm":1,"aggregate_noise_stddev":0},"silo":{"trainers":0,"threads_per_trainer":1,"compute":"native"},"storage":{"provider":"local","dir":".flute","keep_rounds":2,"snapshot_every":0,"best_metric":"accuracy"}}""";

    private const string DefaultHash = "8adb183c004ce3f429d51c01884d9c86eb82fe1a9ae5a032badfc1b3bd5f8b83";

    [Fact]
    public void Serialize_writes_snake_case_in_schema_order()
    {
        // Arrange
        FluteConfig config = ConfigLoader.LoadText("experiment:\n  rounds: 1\n", "d.yaml", []);

        // Act
        string json = ConfigJson.Serialize(config);

        // Assert
        Assert.Equal(DefaultJson, json);
    }

    [Fact]
    public void Hash_is_the_sha256_of_the_canonical_json()
    {
        // Act
        string hash = ConfigJson.Hash(new FluteConfig());

        // Assert
        Assert.Equal(DefaultHash, hash);
    }

    [Fact]
    public void Hash_changes_with_any_value()
    {
        // Arrange
        var config = new FluteConfig();
        config.Client.Lr = 0.010000000000000002;

        // Act
        string hash = ConfigJson.Hash(config);

        // Assert
        Assert.NotEqual(DefaultHash, hash);
    }

    [Fact]
    public void Round_trip_keeps_every_value_bit_for_bit()
    {
        // Arrange: awkward values: the largest seed, a double with no short decimal form, text needing escapes.
        FluteConfig original = ConfigLoader.LoadText(
            "experiment:\n  rounds: 3\n  seed: 18446744073709551615\ndata:\n  dir: 'C:\\data \"mnist\" é'\n  alpha: 0.1\n", "r.yaml",
            ["client.lr=0.30000000000000004", "server.momentum=0.95", "model.name=cnn-small"]);

        // Act
        string json = ConfigJson.Serialize(original);
        FluteConfig copy = ConfigJson.Deserialize(json);

        // Assert
        Assert.Equal(0.30000000000000004, copy.Client.Lr);
        Assert.Equal("C:\\data \"mnist\" é", copy.Data.Dir);
        Assert.Equal(ulong.MaxValue, copy.Experiment.Seed);
        foreach (ConfigKey key in ConfigSchema.Keys)
        {
            Assert.Equal(key.GetValue(original), key.GetValue(copy));
        }
        Assert.Equal(json, ConfigJson.Serialize(copy));
        Assert.Equal(ConfigJson.Hash(original), ConfigJson.Hash(copy));
    }

    [Fact]
    public void Deserialize_applies_the_same_validation()
    {
        // Arrange
        string json = DefaultJson.Replace("\"clients_per_round\":10", "\"clients_per_round\":101", StringComparison.Ordinal);

        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigJson.Deserialize(json));

        // Assert
        Assert.Equal("config error: server.clients_per_round: expected an integer from 1 to data.num_clients (100), found 101", error.Message);
    }

    [Fact]
    public void Deserialize_rejects_unknown_keys_and_malformed_json()
    {
        // Arrange
        string unknown = DefaultJson.Replace("\"trainers\":0", "\"trainer\":0", StringComparison.Ordinal);

        // Act
        var unknownError = Assert.Throws<ConfigException>(() => ConfigJson.Deserialize(unknown));
        var malformedError = Assert.Throws<ConfigException>(() => ConfigJson.Deserialize("{\"experiment\":"));

        // Assert
        Assert.StartsWith("config error: silo.trainer: unknown key", unknownError.Message);
        Assert.StartsWith("config error: config JSON: malformed JSON at line 1", malformedError.Message);
    }

    [Fact]
    public void Result_differences_ignore_rounds_speed_and_storage_keys()
    {
        // Arrange
        FluteConfig stored = ConfigLoader.LoadText("experiment:\n  rounds: 10\n", "a.yaml", []);
        FluteConfig proposed = ConfigLoader.LoadText("experiment:\n  rounds: 50\n", "b.yaml",
            ["silo.trainers=1", "server.max_in_flight=3", "storage.dir=elsewhere", "storage.snapshot_every=5", "experiment.name=renamed"]);

        // Act
        IReadOnlyList<string> differences = ConfigJson.ResultDifferences(stored, proposed);

        // Assert
        Assert.Empty(differences);
        Assert.Equal(ConfigJson.ResultHash(stored), ConfigJson.ResultHash(proposed));
        Assert.NotEqual(ConfigJson.Hash(stored), ConfigJson.Hash(proposed));
    }

    [Fact]
    public void Result_differences_name_every_key_that_changes_the_model()
    {
        // Arrange
        FluteConfig stored = ConfigLoader.LoadText("experiment:\n  rounds: 10\n", "a.yaml", []);
        FluteConfig proposed = ConfigLoader.LoadText("experiment:\n  rounds: 10\n", "b.yaml",
            ["client.lr=0.5", "experiment.seed=9", "silo.threads_per_trainer=2"]);

        // Act
        IReadOnlyList<string> differences = ConfigJson.ResultDifferences(stored, proposed);

        // Assert: schema order; threads per trainer changes the bits, so it counts.
        Assert.Equal(["experiment.seed", "client.lr", "silo.threads_per_trainer"], differences);
        Assert.NotEqual(ConfigJson.ResultHash(stored), ConfigJson.ResultHash(proposed));
    }
}
