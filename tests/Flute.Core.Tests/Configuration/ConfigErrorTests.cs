using Flute.Core.Configuration;

namespace Flute.Core.Tests.Configuration;

[Collection(Flute.Core.Tests.Registry.RegistryCollection.Name)]
public sealed class ConfigErrorTests
{
    private const string Source = "test.yaml";
    private const string Rounds = "experiment:\n  rounds: 10\n";

    // One row per kind of error: name, YAML, overrides, the key path the message must name, a fragment it must hold.
    public static TheoryData<string, string, string[], string, string> Errors => new()
    {
        { "malformed YAML", "experiment:\n  rounds: 10\n  name: 'abc\n", [], Source,
            "malformed YAML at line 3, column 9: While scanning a quoted scalar, found unexpected end of stream" },
        { "unclosed bracket", "experiment:\n  rounds: [1, 2\nserver:\n  lr: 1\n", [], Source, "malformed YAML at line 2, column" },
        { "unknown alias", "experiment:\n  rounds: *ten\n", [], Source, "malformed YAML at line 2, column 11: alias *ten refers to no anchor defined before it" },
        { "duplicate key", "experiment:\n  rounds: 10\n  rounds: 11\n", [], Source, "malformed YAML at line 3, column 3: Duplicate key" },
        { "two documents", Rounds + "---\n" + Rounds, [], Source, "expected one YAML document, found 2" },
        { "root is a sequence", "- experiment\n", [], Source, "expected a mapping of sections (experiment, data, model, client, server, attack, devices, privacy, silo, storage), found a sequence" },
        { "unknown section", Rounds + "serverr:\n  lr: 1\n", [], "serverr", "unknown section (known sections: experiment, data, model, client, server, attack, devices, privacy, silo, storage); did you mean server?" },
        { "flat key at top level", Rounds + "server.lr: 1\n", [], "server.lr", "unknown section; write it nested" },
        { "unknown key", Rounds + "server:\n  clients_per_rnd: 5\n", [], "server.clients_per_rnd",
            "unknown key (known keys under server: strategy, optimizer, lr, momentum, beta1, beta2, tau, lr_schedule, lr_gamma, lr_step_rounds, lr_min, clients_per_round, sampling, eval_every, max_in_flight, max_retries, eval_batch_size, metrics, aggregation, proximal_mu, trim_fraction, byzantine_clients, multikrum_selected, dga_beta, dga_stale_prob, qffl_q, qffl_lipschitz, client_eval, client_test_fraction, personalization_steps, fedbuff_concurrency, fedbuff_buffer, secure_aggregation, aggregate_steps); did you mean server.clients_per_round?" },
        { "key in the wrong section", Rounds + "client:\n  clients_per_round: 5\n", [], "client.clients_per_round", "did you mean server.clients_per_round?" },
        { "section given a scalar", Rounds + "server: 5\n", [], "server", "expected a mapping of server keys (strategy, optimizer, lr,"},
        { "section given a sequence", Rounds + "silo: [1]\n", [], "silo", "found a sequence" },
        { "scalar key given a mapping", Rounds + "client:\n  lr:\n    value: 1\n", [], "client.lr", "expected a number > 0, found a mapping" },
        { "scalar key given a sequence", Rounds + "model:\n  name: [cnn]\n", [], "model.name", "expected one of logreg, mlp, cnn, cnn-small, lstm, gru, found a sequence" },
        { "empty value", Rounds + "client:\n  lr:\n", [], "client.lr", "expected a number > 0, found an empty value" },
        { "text for integer", "experiment:\n  rounds: ten\n", [], "experiment.rounds", "expected an integer ≥ 1, found \"ten\"" },
        { "fraction for integer", "experiment:\n  rounds: 1.5\n", [], "experiment.rounds", "expected an integer ≥ 1, found 1.5" },
        { "quoted number", "experiment:\n  rounds: \"10\"\n", [], "experiment.rounds", "expected an integer ≥ 1, found \"10\"" },
        { "integer beyond 32 bits", "experiment:\n  rounds: 2147483648\n", [], "experiment.rounds", "found 2147483648" },
        { "NaN", Rounds + "client:\n  lr: .nan\n", [], "client.lr", "expected a number > 0, found \".nan\"" },
        { "missing rounds", "experiment:\n  seed: 1\n", [], "experiment.rounds", "expected an integer ≥ 1, found no value (the key is required)" },
        { "rounds 0", "experiment:\n  rounds: 0\n", [], "experiment.rounds", "expected an integer ≥ 1, found 0" },
        { "negative seed", Rounds + "  seed: -1\n", [], "experiment.seed", "expected an integer from 0 to 18446744073709551615, found -1" },
        { "seed beyond 64 bits", Rounds + "  seed: 18446744073709551616\n", [], "experiment.seed", "found 18446744073709551616" },
        { "bad experiment name", Rounds + "  name: my run\n", [], "experiment.name", "found \"my run\"" },
        { "client.lr negative", Rounds + "client:\n  lr: -0.1\n", [], "client.lr", "expected a number > 0, found -0.1" },
        { "server.lr zero", Rounds + "server:\n  lr: 0\n", [], "server.lr", "expected a number > 0, found 0" },
        { "momentum 1", Rounds + "server:\n  momentum: 1\n", [], "server.momentum", "expected a number ≥ 0 and < 1, found 1" },
        { "momentum negative", Rounds + "server:\n  momentum: -0.5\n", [], "server.momentum", "found -0.5" },
        { "batch_size 0", Rounds + "client:\n  batch_size: 0\n", [], "client.batch_size", "expected an integer ≥ 1, found 0" },
        { "local_epochs -1", Rounds + "client:\n  local_epochs: -1\n", [], "client.local_epochs", "expected an integer ≥ 0, found -1" },
        { "max_samples negative", Rounds + "client:\n  max_samples: -1\n", [], "client.max_samples", "expected an integer ≥ 0, found -1" },
        { "eval_every negative", Rounds + "server:\n  eval_every: -1\n", [], "server.eval_every", "expected an integer ≥ 0, found -1" },
        { "max_in_flight negative", Rounds + "server:\n  max_in_flight: -2\n", [], "server.max_in_flight", "expected an integer ≥ 0, found -2" },
        { "max_retries negative", Rounds + "server:\n  max_retries: -1\n", [], "server.max_retries", "expected an integer ≥ 0, found -1" },
        { "eval_batch_size 0", Rounds + "server:\n  eval_batch_size: 0\n", [], "server.eval_batch_size", "expected an integer ≥ 1, found 0" },
        { "trainers negative", Rounds + "silo:\n  trainers: -1\n", [], "silo.trainers", "expected an integer ≥ 0, found -1" },
        { "threads_per_trainer 0", Rounds + "silo:\n  threads_per_trainer: 0\n", [], "silo.threads_per_trainer", "expected an integer ≥ 1, found 0" },
        { "alpha 0", Rounds + "data:\n  alpha: 0\n", [], "data.alpha", "expected a number > 0, found 0" },
        { "shards_per_client 0", Rounds + "data:\n  shards_per_client: 0\n", [], "data.shards_per_client", "expected an integer ≥ 1, found 0" },
        { "num_clients 0", Rounds + "data:\n  num_clients: 0\n", [], "data.num_clients", "expected an integer ≥ 1, found 0" },
        { "hidden 0", Rounds + "model:\n  hidden: 0\n", [], "model.hidden", "expected an integer ≥ 1, found 0" },
        { "clients_per_round above num_clients", Rounds + "data:\n  num_clients: 20\nserver:\n  clients_per_round: 21\n", [], "server.clients_per_round",
            "expected an integer from 1 to data.num_clients (20), found 21" },
        { "powerlaw needs a multiple of 10", Rounds + "data:\n  partition: powerlaw\n  num_clients: 15\nserver:\n  clients_per_round: 5\n", [], "data.num_clients",
            "expected an integer ≥ 10 that is a multiple of 10 (data.partition is powerlaw), found 15" },
        { "unknown model", Rounds + "model:\n  name: resnet\n", [], "model.name", "expected one of logreg, mlp, cnn, cnn-small, lstm, gru, found \"resnet\"" },
        { "unknown strategy", Rounds + "server:\n  strategy: fedsomething\n", [], "server.strategy", "expected one of fedavg, dpfedavg, fedprox, median, trimmed_mean, krum, multikrum, dga, qffl, scaffold, fedbuff, found \"fedsomething\"" },
        { "negative dga beta", Rounds, ["server.dga_beta=-1"], "server.dga_beta", "expected a number ≥ 0, found -1" },
        { "dga stale probability above one", Rounds, ["server.dga_stale_prob=1.5"], "server.dga_stale_prob", "expected a number from 0 to 1, found 1.5" },
        { "negative qffl q", Rounds, ["server.qffl_q=-0.5"], "server.qffl_q", "expected a number ≥ 0, found -0.5" },
        { "negative qffl lipschitz", Rounds, ["server.qffl_lipschitz=-2"], "server.qffl_lipschitz", "expected a number ≥ 0 (0 means 1 / client.lr), found -2" },
        { "unknown dataset", Rounds + "data:\n  dataset: cifar10\n", [], "data.dataset", "expected one of mnist, fashion-mnist, synthetic, partitioned, sotu, found \"cifar10\"" },
        { "unknown partition", Rounds + "data:\n  partition: label_skew\n", [], "data.partition", "expected one of iid, dirichlet, shards, powerlaw, found \"label_skew\"" },
        { "unknown server optimizer", Rounds + "server:\n  optimizer: adamw\n", [], "server.optimizer", "expected one of sgd, adam, yogi, adagrad, found \"adamw\"" },
        { "server beta1 of one", Rounds, ["server.beta1=1"], "server.beta1", "expected a number ≥ 0 and < 1, found 1" },
        { "negative server beta2", Rounds, ["server.beta2=-0.5"], "server.beta2", "expected a number ≥ 0 and < 1, found -0.5" },
        { "server tau of zero", Rounds, ["server.tau=0"], "server.tau", "expected a number > 0, found 0" },
        // adam's default server.lr (0.01) applies when server.lr is not set, and the cross-key rule sees it.
        { "cosine minimum above adam's default rate", Rounds, ["server.optimizer=adam", "server.lr_schedule=cosine", "server.lr_min=0.05"], "server.lr_min",
            "expected a number ≥ 0 and ≤ server.lr (0.01), found 0.05" },
        { "unknown client optimizer", Rounds + "client:\n  optimizer: adamw\n", [], "client.optimizer", "expected one of sgd, adam, found \"adamw\"" },
        { "cosine minimum above the client rate", Rounds + "client:\n  lr: 0.1\n  lr_min: 0.2\n", [], "client.lr_min", "expected a number ≥ 0 and ≤ client.lr (0.1), found 0.2" },
        { "unknown update step", Rounds, ["client.update_steps=clip,noise"], "client.update_steps", "expected registered update steps, comma-separated, each at most once (clip, local_dp), found \"clip,noise\"" },
        { "update step twice", Rounds, ["client.update_steps=clip,clip"], "client.update_steps", "expected registered update steps, comma-separated, each at most once (clip, local_dp), found \"clip,clip\"" },
        { "unknown metric", Rounds, ["server.metrics=macro_f1,top1"], "server.metrics", "expected registered metrics, comma-separated, each at most once (top5_accuracy, macro_f1, balanced_accuracy), found \"macro_f1,top1\"" },
        { "metric twice", Rounds, ["server.metrics=macro_f1, macro_f1"], "server.metrics", "expected registered metrics, comma-separated, each at most once (top5_accuracy, macro_f1, balanced_accuracy), found \"macro_f1, macro_f1\"" },
        { "unknown aggregate step", Rounds, ["server.aggregate_steps=clip,laplace"], "server.aggregate_steps", "expected registered aggregate steps, comma-separated, each at most once (clip, gaussian_noise), found \"clip,laplace\"" },
        { "local epsilon zero", Rounds, ["privacy.local_epsilon=0"], "privacy.local_epsilon", "expected a number > 0, found 0" },
        { "quantizer wider than 8 bits", Rounds, ["client.codec=quant:9"], "client.codec", "expected a registered codec (float32, float16, bfloat16, quant:N with N = 1..8, topk:F with 0 < F ≤ 1), found \"quant:9\"" },
        { "dp noise multiplier of zero", Rounds, ["privacy.noise_multiplier=0"], "privacy.noise_multiplier", "expected a number > 0, found 0" },
        { "dp target below one round's epsilon", Rounds, ["server.strategy=dpfedavg", "privacy.target_epsilon=0.5"], "privacy.target_epsilon", "expected 0 (no target) or a number ≥ " },
        { "dp delta of one", Rounds, ["privacy.delta=1"], "privacy.delta", "expected a number > 0 and < 1, found 1" },
        { "poisson sampling on the virtual clock", Rounds, ["server.sampling=poisson", "devices.clock=on"], "server.sampling", "expected fixed (devices.clock is on; the virtual clock draws fixed-size cohorts), found \"poisson\"" },
        { "poisson sampling with krum", Rounds, ["server.strategy=krum", "server.sampling=poisson"], "server.sampling", "expected fixed (krum needs more than 2f + 2 updates every round; a Poisson cohort may be smaller), found \"poisson\"" },
        { "adaptive clipping with too little count noise", Rounds, ["server.strategy=dpfedavg", "privacy.adaptive_clipping=on", "privacy.noise_multiplier=1.2"], "privacy.clipped_count_stddev",
            "expected 0 or a number ≥ 0 such that σ_b (the value, or clients_per_round / 20 = 0.5 for 0) > privacy.noise_multiplier / 2 = 0.6, found 0" },
        { "target quantile above one", Rounds, ["privacy.target_quantile=1.5"], "privacy.target_quantile", "expected a number from 0 to 1, found 1.5" },
        { "client momentum of one", Rounds, ["client.momentum=1"], "client.momentum", "expected a number ≥ 0 and < 1, found 1" },
        { "negative gradient norm bound", Rounds, ["client.max_grad_norm=-1"], "client.max_grad_norm", "expected a number ≥ 0, found -1" },
        { "unknown server schedule", Rounds, ["server.lr_schedule=linear"], "server.lr_schedule", "expected one of constant, step, exponential, cosine, found \"linear\"" },
        { "override without '='", Rounds, ["client.lr"], "--set \"client.lr\"", "expected key.path=value, found no '='" },
        { "override without key", Rounds, ["=3"], "--set \"=3\"", "found no key path before '='" },
        { "override of unknown key", Rounds, ["server.clients_per_rnd=5"], "server.clients_per_rnd", "unknown key (known keys under server:" },
        { "override of unknown section", Rounds, ["srv.lr=1"], "srv.lr", "unknown section \"srv\"" },
        { "override of a whole section", Rounds, ["server=1"], "server", "expected section.key=value, found only the section name" },
        { "override with wrong type", Rounds, ["experiment.rounds=ten"], "experiment.rounds", "expected an integer ≥ 1, found \"ten\"" },
        { "override with a mapping", Rounds, ["client.lr={a: 1}"], "client.lr", "found a mapping" },
        { "override with malformed YAML", Rounds, ["client.lr=[1"], "client.lr", "malformed value in --set:" },
        { "override out of range", Rounds, ["client.lr=-1"], "client.lr", "expected a number > 0, found -1" },
        { "override with empty value", Rounds, ["client.lr="], "client.lr", "found an empty value" },
        { "trim fraction of one half", Rounds + "server:\n  strategy: trimmed_mean\n  trim_fraction: 0.5\n", [], "server.trim_fraction", "expected a number ≥ 0 and < 0.5, found 0.5" },
        { "krum with too many byzantine clients", Rounds + "server:\n  strategy: krum\n  byzantine_clients: 4\n", [], "server.byzantine_clients",
            "expected an integer from 0 to 3 for krum, which needs server.clients_per_round (10) > 2f + 2 (lower it, or raise server.clients_per_round to at least 11), found 4" },
        { "multikrum cohort too small for any f", Rounds + "server:\n  strategy: multikrum\n  clients_per_round: 2\n", [], "server.byzantine_clients",
            "expected a cohort larger than 2f + 2 for multikrum, but server.clients_per_round is 2: raise server.clients_per_round to at least 3, found 2" },
        { "negative byzantine clients", Rounds, ["server.byzantine_clients=-1"], "server.byzantine_clients", "expected an integer ≥ 0, found -1" },
        { "multikrum selects more than the cohort", Rounds + "server:\n  strategy: multikrum\n  multikrum_selected: 11\n", [], "server.multikrum_selected",
            "expected an integer from 0 to server.clients_per_round (10); 0 means n − f, found 11" },
        { "unknown attack", Rounds + "attack:\n  type: label_flip\n", [], "attack.type", "expected one of none, sign_flip, scale, gaussian, found \"label_flip\"" },
        { "attack fraction above one", Rounds, ["attack.fraction=1.5"], "attack.fraction", "expected a number ≥ 0 and ≤ 1, found 1.5" },
        { "fedbuff without the clock", Rounds, ["server.strategy=fedbuff"], "devices.clock", "expected on (server.strategy fedbuff runs on the virtual clock), found \"off\"" },
        { "fedbuff buffer above concurrency", Rounds, ["server.fedbuff_concurrency=4", "server.fedbuff_buffer=5"], "server.fedbuff_buffer", "expected an integer from 1 to server.fedbuff_concurrency (4), found 5" },
        { "fedbuff concurrency above the population", Rounds, ["server.strategy=fedbuff", "devices.clock=on", "data.num_clients=10", "server.clients_per_round=5"], "server.fedbuff_concurrency", "expected an integer from 1 to data.num_clients (10) for fedbuff, found 20" },
        { "deadline without the clock", Rounds, ["devices.deadline=30"], "devices.deadline", "expected a number ≥ 0, with devices.clock on (it is off), found 30" },
        { "dropout above one", Rounds, ["devices.clock=on", "devices.dropout=1.5"], "devices.dropout", "expected a number from 0 to 1, found 1.5" },
        { "secure aggregation with a buffered strategy", Rounds, ["server.strategy=median", "server.secure_aggregation=on"], "server.secure_aggregation",
            "expected off (server.strategy median inspects individual updates, which secure aggregation hides; use a weighted-sum strategy), found \"on\"" },
        { "secure aggregation with a quantizing codec", Rounds, ["client.codec=quant:4", "server.secure_aggregation=on"], "server.secure_aggregation",
            "expected off (secure aggregation masks the fixed-point form of float32 updates, but client.codec is quant:4), found \"on\"" },
        { "secure aggregation not a switch", Rounds, ["server.secure_aggregation=true"], "server.secure_aggregation", "expected one of off, on, found \"true\"" },
        { "negative attack scale", Rounds, ["attack.scale=-10"], "attack.scale", "expected a number ≥ 0, found -10" },
        { "override breaks a cross-key rule", Rounds, ["data.num_clients=5"], "server.clients_per_round", "expected an integer from 1 to data.num_clients (5), found 10" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Invalid_config_gives_one_line_naming_the_key(string name, string yaml, string[] overrides, string keyPath, string fragment)
    {
        // Arrange: the row.

        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(yaml, Source, overrides));

        // Assert
        Assert.StartsWith($"config error: {keyPath}: ", error.Message);
        Assert.Contains(fragment, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        Assert.Equal(keyPath, error.KeyPath);
        Assert.NotEmpty(name);
    }

    [Theory]
    [InlineData("data:\n  num_clients: 100\nserver:\n  clients_per_round: 500\n",
        "config error: server.clients_per_round: expected an integer from 1 to data.num_clients (100), found 500")]
    [InlineData("client:\n  lr: -0.1\n", "config error: client.lr: expected a number > 0, found -0.1")]
    [InlineData("model:\n  name: resnet\n", "config error: model.name: expected one of logreg, mlp, cnn, cnn-small, lstm, gru, found \"resnet\"")]
    [InlineData("experiment:\n  rounds: 3\n  rounds: 4\n", "config error: test.yaml: malformed YAML at line 3, column 3: Duplicate key rounds")]
    public void Documented_examples_read_exactly(string extra, string expected)
    {
        // Arrange: rounds is required, so rows that do not set it get it from an override.
        string[] overrides = extra.Contains("rounds", StringComparison.Ordinal) ? [] : ["experiment.rounds=10"];

        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText(extra, Source, overrides));

        // Assert
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Rounds_given_as_words_reads_exactly()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadText("experiment:\n  rounds: ten\n", Source, []));

        Assert.Equal("config error: experiment.rounds: expected an integer ≥ 1, found \"ten\"", error.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        // Arrange
        string path = Path.Combine(Path.GetTempPath(), $"flute-missing-{Guid.NewGuid():N}", "x.yaml");

        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, []));

        // Assert
        Assert.Equal($"config error: {path}: file not found", error.Message);
    }

    [Fact]
    public void Validate_rejects_a_config_built_in_code()
    {
        // Arrange
        var config = new FluteConfig();
        config.Server.ClientsPerRound = 0;

        // Act
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config));

        // Assert
        Assert.Equal("config error: server.clients_per_round: expected an integer from 1 to data.num_clients (100), found 0", error.Message);
    }
}
