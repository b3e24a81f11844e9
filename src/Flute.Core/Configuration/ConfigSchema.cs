using System.Text.RegularExpressions;
using Flute.Core.Plugins;
using Flute.Core.Privacy;
using Flute.Core.Registry;
using Flute.Core.Strategies;

namespace Flute.Core.Configuration;

/// <summary>
/// The configuration schema: every key with its type, meaning, default and rule, in the order the
/// sections and keys are documented, serialized and validated. Keys are written snake_case.
/// </summary>
public static partial class ConfigSchema
{
    private const int PowerlawClientGroup = 10;

    /// <summary>Section names in order.</summary>
    public static IReadOnlyList<string> Sections { get; } = ["experiment", "data", "model", "client", "server", "attack", "devices", "privacy", "silo", "storage"];

    /// <summary>
    /// Every key, sections in <see cref="Sections"/> order. Within a section, a key whose rule
    /// depends on another key comes after it (data.partition before data.num_clients), because
    /// the first broken rule is the one reported.
    /// </summary>
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        Text("experiment.name", "Name of the experiment; part of the default experiment id, so it is kept to characters safe in ids and file names.",
            c => c.Experiment.Name, (c, v) => c.Experiment.Name = v,
            "1 to 64 letters, digits, `.`, `_`, `-`; not starting with `.`", "a name of 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'", v => ExperimentName().IsMatch(v)),
        new ConfigKey("experiment.seed", ConfigValueType.UnsignedInteger,
            "Root seed. Every random choice (cohorts, data order, partition, model initialization, simulated dropouts, noise) derives from it, so equal seeds give bitwise-equal runs.",
            $"0 to {ulong.MaxValue}", null, false,
            c => c.Experiment.Seed, (c, v) => c.Experiment.Seed = (ulong)v, ConfigValues.ParseUInt64,
            _ => $"an integer from 0 to {ulong.MaxValue}", _ => true),
        Integer("experiment.rounds", "Number of federated rounds to run. Required.",
            c => c.Experiment.Rounds, (c, v) => c.Experiment.Rounds = v, min: 1, required: true),
        new ConfigKey("experiment.plugins", ConfigValueType.Text,
            "Plug-in assemblies, comma-separated (a path in a config file is relative to that file; in --set, to the working directory): each is loaded and its IFlutePlugin classes register their models, data sets or other components before the rest of the config is read, on the CLI and on every silo. The config carries them as full paths.",
            "paths of .NET assemblies built against Flute", null, false,
            c => c.Experiment.Plugins, (c, v) => c.Experiment.Plugins = (string)v, ParsePlugins,
            _ => "comma-separated paths of plug-in assemblies", _ => true),

        Component("data.dataset", "Data set to train and evaluate on.",
            c => c.Data.Dataset, (c, v) => c.Data.Dataset = v, () => Components.Datasets),
        Component("data.partition", "How the training pool is split across clients: iid (uniform shuffle), dirichlet (label mix drawn from Dirichlet(alpha)), shards (label-sorted shards), powerlaw (client sizes follow a power law).",
            c => c.Data.Partition, (c, v) => c.Data.Partition = v, () => Components.Partitions),
        IntegerWhere("data.num_clients", "Number of simulated clients (the population).",
            c => c.Data.NumClients, (c, v) => c.Data.NumClients = v,
            $"≥ 1; a multiple of {PowerlawClientGroup} when data.partition is powerlaw",
            c => IsPowerlaw(c)
                ? $"an integer ≥ {PowerlawClientGroup} that is a multiple of {PowerlawClientGroup} (data.partition is powerlaw)"
                : "an integer ≥ 1",
            c => c.Data.NumClients >= 1 && (!IsPowerlaw(c) || c.Data.NumClients % PowerlawClientGroup == 0)),
        Number("data.alpha", "Dirichlet concentration: smaller gives each client fewer labels (dirichlet partition). For the synthetic data set: the spread of the clients' models (Synthetic(alpha, beta)).",
            c => c.Data.Alpha, (c, v) => c.Data.Alpha = v, "> 0", "a number > 0", v => v > 0),
        TextWhere("data.file", "The partitioned data file (built by 'flute data partition') when data.dataset is partitioned; data.num_clients must equal its client count.",
            c => c.Data.File, (c, v) => c.Data.File = v, "a file path; required when data.dataset is partitioned",
            c => c.Data.Dataset == "partitioned" ? "a file path (data.dataset is partitioned)" : "a file path",
            c => c.Data.Dataset != "partitioned" || c.Data.File.Length > 0),
        Number("data.beta", "Synthetic data set only: the spread of the clients' feature means (Synthetic(alpha, beta)).",
            c => c.Data.Beta, (c, v) => c.Data.Beta = v, "≥ 0", "a number ≥ 0", v => v >= 0),
        Integer("data.max_samples_per_client", "Synthetic data set only: cap on a client's sample count (drawn as lognormal(4, 2) + 50, which has a long tail); 0 means no cap.",
            c => c.Data.MaxSamplesPerClient, (c, v) => c.Data.MaxSamplesPerClient = v, min: 0),
        Integer("data.shards_per_client", "Label-sorted shards each client receives. Used by the shards partition only.",
            c => c.Data.ShardsPerClient, (c, v) => c.Data.ShardsPerClient = v, min: 1),
        Text("data.dir", "Directory holding the data set's files; empty means the data cache, fetched on first use.",
            c => c.Data.Dir, (c, v) => c.Data.Dir = v, "any path", "a directory path", _ => true),
        Number("data.validation_fraction", "Share of the training pool held out (by a seeded draw, before partitioning) as the validation split; the test set is never used for model selection. 0 means no validation split.",
            c => c.Data.ValidationFraction, (c, v) => c.Data.ValidationFraction = v, "≥ 0 and ≤ 0.5", "a number ≥ 0 and ≤ 0.5", v => v is >= 0 and <= 0.5),
        Integer("data.seq_len", "Text data sets (sotu) only: characters per sample window; the label is the character after it.",
            c => c.Data.SeqLen, (c, v) => c.Data.SeqLen = v, min: 1),
        Name("data.text_clients", "Text data sets (sotu) only: one client per president (43) or per speech (233).",
            c => c.Data.TextClients, (c, v) => c.Data.TextClients = v, KnownNames.TextClients),

        Component("model.name", "Model architecture.",
            c => c.Model.Name, (c, v) => c.Model.Name = v, () => Components.Models),
        Integer("model.hidden", "Hidden units of the mlp model and the recurrent width of lstm and gru; other models ignore it.",
            c => c.Model.Hidden, (c, v) => c.Model.Hidden = v, min: 1),

        Component("client.optimizer", "Optimizer of local training.",
            c => c.Client.Optimizer, (c, v) => c.Client.Optimizer = v, () => Components.ClientOptimizers),
        Number("client.lr", "Client learning rate.",
            c => c.Client.Lr, (c, v) => c.Client.Lr = v, "> 0", "a number > 0", v => v > 0),
        Integer("client.batch_size", "Samples per local step.",
            c => c.Client.BatchSize, (c, v) => c.Client.BatchSize = v, min: 1),
        Integer("client.local_epochs", "Passes over the client's data per round; 0 runs no SGD step at all (the update is zero) — for measuring orchestration (bench scale).",
            c => c.Client.LocalEpochs, (c, v) => c.Client.LocalEpochs = v, min: 0),
        Integer("client.max_samples", "Cap on the samples a client uses per round; 0 means no cap.",
            c => c.Client.MaxSamples, (c, v) => c.Client.MaxSamples = v, min: 0),
        Number("client.momentum", "Momentum of the sgd client optimizer (PyTorch SGD, no dampening); 0 means none. State lives for one client's local training.",
            c => c.Client.Momentum, (c, v) => c.Client.Momentum = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("client.weight_decay", "L2 penalty of the client optimizer, added to the gradient as weight_decay × weights (PyTorch SGD and Adam); 0 means none.",
            c => c.Client.WeightDecay, (c, v) => c.Client.WeightDecay = v, "≥ 0", "a number ≥ 0", v => v >= 0),
        Number("client.adam_beta1", "adam: decay of the first-moment estimate (PyTorch Adam's betas[0]).",
            c => c.Client.AdamBeta1, (c, v) => c.Client.AdamBeta1 = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("client.adam_beta2", "adam: decay of the second-moment estimate (PyTorch Adam's betas[1]).",
            c => c.Client.AdamBeta2, (c, v) => c.Client.AdamBeta2 = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("client.adam_eps", "adam: term added to the denominator (PyTorch Adam's eps).",
            c => c.Client.AdamEps, (c, v) => c.Client.AdamEps = v, "> 0", "a number > 0", v => v > 0),
        Number("client.max_grad_norm", "Clip the total L2 norm of each step's gradient over all parameters to this (torch.nn.utils.clip_grad_norm_); 0 means no clipping.",
            c => c.Client.MaxGradNorm, (c, v) => c.Client.MaxGradNorm = v, "≥ 0", "a number ≥ 0", v => v >= 0),
        Name("client.lr_schedule", "Client learning rate by round: constant, step (× lr_gamma every lr_step_rounds rounds), exponential (× lr_gamma per round) or cosine (from client.lr in round 1 to lr_min in the last round).",
            c => c.Client.LrSchedule, (c, v) => c.Client.LrSchedule = v, KnownNames.LrSchedules),
        Number("client.lr_gamma", "Decay factor of the step and exponential client schedules.",
            c => c.Client.LrGamma, (c, v) => c.Client.LrGamma = v, "> 0 and ≤ 1", "a number > 0 and ≤ 1", v => v is > 0 and <= 1),
        Integer("client.lr_step_rounds", "Rounds between two decays of the step client schedule.",
            c => c.Client.LrStepRounds, (c, v) => c.Client.LrStepRounds = v, min: 1),
        NumberWhere("client.lr_min", "Client learning rate of the last round under the cosine schedule.",
            c => c.Client.LrMin, (c, v) => c.Client.LrMin = v, "≥ 0 and ≤ client.lr",
            c => $"a number ≥ 0 and ≤ client.lr ({ConfigValues.Format(c.Client.Lr)})", c => c.Client.LrMin >= 0 && c.Client.LrMin <= c.Client.Lr),
        Text("client.codec", "How each client encodes its update for the fold: float32 (exact, default), float16, bfloat16, or quant:N (unbiased stochastic N-bit quantization, N = 1..8, one range per tensor), or topk:F (the ⌈F·n⌉ largest-magnitude values, 0 < F ≤ 1, with error feedback: each client keeps the rest in the client state store and adds it to its next update). The payload names its codec; the fold decodes by that name.",
            c => c.Client.Codec, (c, v) => c.Client.Codec = v, "float32, float16, bfloat16, quant:1 .. quant:8, topk:F (0 < F ≤ 1)", "a registered codec (float32, float16, bfloat16, quant:N with N = 1..8, topk:F with 0 < F ≤ 1)", IsCodec),
        new ConfigKey("client.update_steps", ConfigValueType.Text,
            "Steps each client applies to its update after training and before encoding, comma-separated, in order: clip (to privacy.clip_norm), local_dp (local differential privacy: clip to privacy.local_clip_norm and add Gaussian noise for privacy.local_epsilon, privacy.local_delta). Empty: none. DP-FedAvg's clip runs before them; a simulated attack after.",
            "registered update steps, comma-separated, each at most once", () => Components.UpdateSteps.Names, false,
            c => c.Client.UpdateSteps, (c, v) => c.Client.UpdateSteps = (string)v, ConfigValues.ParseText,
            _ => $"registered update steps, comma-separated, each at most once ({string.Join(", ", Components.UpdateSteps.Names)})", c => AreSteps(c.Client.UpdateSteps, Components.UpdateSteps.Names)),

        Component("server.strategy", "Aggregation strategy.",
            c => c.Server.Strategy, (c, v) => c.Server.Strategy = v, () => Components.Strategies),
        Component("server.optimizer", "Server optimizer applied to the aggregated pseudo-gradient.",
            c => c.Server.Optimizer, (c, v) => c.Server.Optimizer = v, () => Components.ServerOptimizers),
        Number("server.lr", "Server learning rate; FedAvg is sgd with lr 1. When not set: 1 for sgd, the optimizer's own default for adam, yogi and adagrad.",
            c => c.Server.Lr, (c, v) => c.Server.Lr = v, "> 0", "a number > 0", v => v > 0),
        Number("server.momentum", "Server momentum; 0 means none.",
            c => c.Server.Momentum, (c, v) => c.Server.Momentum = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("server.beta1", "First-moment decay β1 of the adam, yogi and adagrad server optimizers.",
            c => c.Server.Beta1, (c, v) => c.Server.Beta1 = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("server.beta2", "Second-moment decay β2 of the adam and yogi server optimizers.",
            c => c.Server.Beta2, (c, v) => c.Server.Beta2 = v, "≥ 0 and < 1", "a number ≥ 0 and < 1", v => v is >= 0 and < 1),
        Number("server.tau", "Adaptivity τ of the adam, yogi and adagrad server optimizers: added to √v in the step, and v starts at τ².",
            c => c.Server.Tau, (c, v) => c.Server.Tau = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Name("server.lr_schedule", "Server learning rate by round (Flute.Core.Schedules.LearningRateSchedule), with the formulas of client.lr_schedule.",
            c => c.Server.LrSchedule, (c, v) => c.Server.LrSchedule = v, KnownNames.ServerLrSchedules),
        Number("server.lr_gamma", "Decay factor of the step and exponential server schedules.",
            c => c.Server.LrGamma, (c, v) => c.Server.LrGamma = v, "> 0 and ≤ 1", "a number > 0 and ≤ 1", v => v is > 0 and <= 1),
        Integer("server.lr_step_rounds", "Rounds between two decays of the step server schedule.",
            c => c.Server.LrStepRounds, (c, v) => c.Server.LrStepRounds = v, min: 1),
        NumberWhere("server.lr_min", "Server learning rate of the last round under the cosine schedule.",
            c => c.Server.LrMin, (c, v) => c.Server.LrMin = v, "≥ 0 and ≤ server.lr",
            c => $"a number ≥ 0 and ≤ server.lr ({ConfigValues.Format(c.Server.Lr)})", c => c.Server.LrMin >= 0 && c.Server.LrMin <= c.Server.Lr),
        IntegerWhere("server.clients_per_round", "Cohort size: clients sampled (without replacement) each round.",
            c => c.Server.ClientsPerRound, (c, v) => c.Server.ClientsPerRound = v,
            "1 to data.num_clients",
            c => $"an integer from 1 to data.num_clients ({c.Data.NumClients})",
            c => c.Server.ClientsPerRound >= 1 && c.Server.ClientsPerRound <= c.Data.NumClients),
        NameWhere("server.sampling",
            "How each round's cohort is drawn: fixed (exactly server.clients_per_round of data.num_clients, without replacement) or poisson (each client independently with probability q = clients_per_round / num_clients, so the cohort size varies and may be 0; a round without clients makes no server step). poisson needs devices.clock off and a strategy other than krum and multikrum (whose rounds need more than 2f + 2 updates).",
            c => c.Server.Sampling, (c, v) => c.Server.Sampling = v, KnownNames.Samplings,
            SamplingExpected, c => c.Server.Sampling == "fixed" || !(ClockOn(c) || IsKrum(c))),
        Integer("server.eval_every", "Evaluate the global model every k rounds and after the last; 0 means only after the last.",
            c => c.Server.EvalEvery, (c, v) => c.Server.EvalEvery = v, min: 0),
        Integer("server.max_in_flight", "Training calls in flight at once; 0 means 4 × the cluster's trainers.",
            c => c.Server.MaxInFlight, (c, v) => c.Server.MaxInFlight = v, min: 0),
        Integer("server.max_retries", "Retries of a failed or timed-out training call before the experiment fails.",
            c => c.Server.MaxRetries, (c, v) => c.Server.MaxRetries = v, min: 0),
        Integer("server.eval_batch_size", "Samples per evaluation batch.",
            c => c.Server.EvalBatchSize, (c, v) => c.Server.EvalBatchSize = v, min: 1),
        new ConfigKey("server.metrics", ConfigValueType.Text,
            "Metrics reported at every evaluation besides accuracy and loss, comma-separated: top5_accuracy (label among the 5 highest logits), macro_f1 (F1 averaged over classes), balanced_accuracy (mean per-class recall), or any registered metric. Each is written as test_<name> (and val_<name> with a validation split) in metrics.jsonl and summary.json. Empty: none. Never changes the model.",
            "registered metrics, comma-separated, each at most once", () => Components.Metrics.Names, false,
            c => c.Server.Metrics, (c, v) => c.Server.Metrics = (string)v, ConfigValues.ParseText,
            _ => $"registered metrics, comma-separated, each at most once ({string.Join(", ", Components.Metrics.Names)})", c => AreSteps(c.Server.Metrics, Components.Metrics.Names)),
        Name("server.aggregation", "Where a weighted-sum strategy's updates are summed: auto (silo when the cluster has several silos, else direct), silo (each silo folds its clients' updates; one partial aggregate per silo reaches the server) or direct (every update goes to the server). Exact fixed-point sums make both give the same model.",
            c => c.Server.Aggregation, (c, v) => c.Server.Aggregation = v, KnownNames.Aggregations),
        Number("server.proximal_mu", "FedProx's proximal coefficient mu: clients minimise loss + (mu/2)·‖w − w_global‖²; other strategies ignore it.",
            c => c.Server.ProximalMu, (c, v) => c.Server.ProximalMu = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        Number("server.trim_fraction", "trimmed_mean's β: per coordinate, the ⌊β·n⌋ largest and ⌊β·n⌋ smallest of the round's n updates are dropped; other strategies ignore it.",
            c => c.Server.TrimFraction, (c, v) => c.Server.TrimFraction = v, "≥ 0 and < 0.5", "a number ≥ 0 and < 0.5", v => v is >= 0 and < 0.5),
        IntegerWhere("server.byzantine_clients", "krum and multikrum: f, the Byzantine clients tolerated per round; a round needs more than 2f + 2 updates. Other strategies ignore it.",
            c => c.Server.ByzantineClients, (c, v) => c.Server.ByzantineClients = v,
            "≥ 0; for krum and multikrum 2f + 2 < server.clients_per_round",
            ByzantineExpected, c => c.Server.ByzantineClients >= 0 && (!IsKrum(c) || c.Server.ByzantineClients <= KrumOptions.MaxByzantineClients(c.Server.ClientsPerRound))),
        IntegerWhere("server.multikrum_selected", "multikrum: m, how many of the best-scored updates are averaged; 0 means n − f for the round's n updates. Other strategies ignore it.",
            c => c.Server.MultikrumSelected, (c, v) => c.Server.MultikrumSelected = v,
            "0 to server.clients_per_round",
            c => $"an integer from 0 to server.clients_per_round ({c.Server.ClientsPerRound}); 0 means n − f",
            c => c.Server.MultikrumSelected >= 0 && c.Server.MultikrumSelected <= c.Server.ClientsPerRound),
        Number("server.dga_beta", "DGA's softmax sharpness beta: client weights softmax(−beta × per-sample training loss); 0 weighs clients equally; other strategies ignore it.",
            c => c.Server.DgaBeta, (c, v) => c.Server.DgaBeta = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        Number("server.dga_stale_prob", "DGA: probability that a client's update is held back and joins the next round's aggregate (FLUTE's stale_prob); 0 means off; above 0 DGA buffers updates on the server.",
            c => c.Server.DgaStaleProb, (c, v) => c.Server.DgaStaleProb = v, "0 to 1", "a number from 0 to 1", v => v is >= 0 and <= 1),
        Number("server.qffl_q", "q-FFL's fairness exponent q: 0 is the plain mean of the pseudo-gradients, larger q favours clients with higher loss; other strategies ignore it.",
            c => c.Server.QfflQ, (c, v) => c.Server.QfflQ = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        Number("server.qffl_lipschitz", "q-FFL's Lipschitz constant L of the local losses' gradients; 0 means 1 / client.lr, as the paper.",
            c => c.Server.QfflLipschitz, (c, v) => c.Server.QfflLipschitz = v, "≥ 0 (0 = 1 / client.lr)", "a number ≥ 0 (0 means 1 / client.lr)", v => v >= 0 && double.IsFinite(v)),
        Name("server.client_eval", "Per-client evaluation in evaluated rounds: none, cohort (the round's sampled clients) or all (every client; small populations). Each evaluated client tests the global model on its own test split; metrics.jsonl reports the mean and the 10th/50th/90th percentiles of client accuracy.",
            c => c.Server.ClientEval, (c, v) => c.Server.ClientEval = v, KnownNames.ClientEvaluations),
        Number("server.client_test_fraction", "With server.client_eval on, the share of each client's samples held out as its own test split (seeded per client) when the data set has no per-client test split; the client trains on the rest. Ignored otherwise.",
            c => c.Server.ClientTestFraction, (c, v) => c.Server.ClientTestFraction = v, "0 < fraction < 1", "a number above 0 and below 1", v => v > 0 && v < 1),
        Integer("server.personalization_steps", "With server.client_eval on, k > 0 also evaluates each client after k local fine-tuning steps (client.batch_size, client.lr, client.optimizer) from the global model on its training split: metrics.jsonl reports the personalized accuracies beside the global ones. The global model is not changed.",
            c => c.Server.PersonalizationSteps, (c, v) => c.Server.PersonalizationSteps = v, min: 0),
        IntegerWhere("server.fedbuff_concurrency", "fedbuff: C, clients training at once (each trained when dispatched, its update held until its virtual arrival); other strategies ignore it.",
            c => c.Server.FedbuffConcurrency, (c, v) => c.Server.FedbuffConcurrency = v, "≥ 1; for fedbuff at most data.num_clients",
            c => IsFedBuff(c) ? $"an integer from 1 to data.num_clients ({c.Data.NumClients}) for fedbuff" : "an integer ≥ 1",
            c => c.Server.FedbuffConcurrency >= 1 && (!IsFedBuff(c) || c.Server.FedbuffConcurrency <= c.Data.NumClients)),
        IntegerWhere("server.fedbuff_buffer", "fedbuff: M, arrivals per server step (one round in metrics); other strategies ignore it.",
            c => c.Server.FedbuffBuffer, (c, v) => c.Server.FedbuffBuffer = v, "1 to server.fedbuff_concurrency",
            c => $"an integer from 1 to server.fedbuff_concurrency ({c.Server.FedbuffConcurrency})", c => c.Server.FedbuffBuffer >= 1 && c.Server.FedbuffBuffer <= c.Server.FedbuffConcurrency),

        Name("attack.type", "Simulated attack sent by a seeded share of every cohort: none, sign_flip (update × −scale), scale (update × scale) or gaussian (each value drawn from N(0, scale²)).",
            c => c.Attack.Type, (c, v) => c.Attack.Type = v, KnownNames.AttackTypes),
        Number("attack.fraction", "Share of each round's cohort that attacks: round(fraction × cohort) clients, chosen from (seed, round, client); ignored when attack.type is none.",
            c => c.Attack.Fraction, (c, v) => c.Attack.Fraction = v, "≥ 0 and ≤ 1", "a number ≥ 0 and ≤ 1", v => v is >= 0 and <= 1),
        Number("attack.scale", "The factor of sign_flip and scale, the standard deviation of gaussian.",
            c => c.Attack.Scale, (c, v) => c.Attack.Scale = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),

        NameWhere("devices.clock",
            "The virtual clock (docs/heterogeneity.md): on gives every client a device (speed, bandwidth), computes when each update would arrive, applies the round policies below and records virtual time in metrics.jsonl; off (default) leaves rounds as they are. server.strategy fedbuff needs it on.",
            c => c.Devices.Clock, (c, v) => c.Devices.Clock = v, KnownNames.OffOn,
            c => IsFedBuff(c) ? "on (server.strategy fedbuff runs on the virtual clock)" : $"one of {string.Join(", ", KnownNames.OffOn)}",
            c => ClockOn(c) || !IsFedBuff(c)),
        Number("devices.speed_median", "Median training speed of a device, samples per virtual second (speeds are lognormal: median × e^(σ·z)).",
            c => c.Devices.SpeedMedian, (c, v) => c.Devices.SpeedMedian = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("devices.speed_sigma", "σ of the lognormal speed distribution; 0 gives every device the median speed.",
            c => c.Devices.SpeedSigma, (c, v) => c.Devices.SpeedSigma = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        Number("devices.bandwidth_median", "Median link bandwidth of a device, bytes per virtual second, for both the model download and the update upload.",
            c => c.Devices.BandwidthMedian, (c, v) => c.Devices.BandwidthMedian = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("devices.bandwidth_sigma", "σ of the lognormal bandwidth distribution.",
            c => c.Devices.BandwidthSigma, (c, v) => c.Devices.BandwidthSigma = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        TextWhere("devices.trace", "CSV of client_id,samples_per_second,bytes_per_second sorted by client id, read lazily; clients it does not list get the distributions' values.",
            c => c.Devices.Trace, (c, v) => c.Devices.Trace = v, "a file path; needs devices.clock on", c => ClockNeeded(c, "a file path"), c => c.Devices.Trace.Length == 0 || ClockOn(c)),
        TextWhere("devices.availability", "CSV of client_id,start,end[,start,end…] (online intervals in virtual seconds) sorted by client id; cohorts are drawn among the clients online when the round starts; unlisted clients are always online.",
            c => c.Devices.Availability, (c, v) => c.Devices.Availability = v, "a file path; needs devices.clock on", c => ClockNeeded(c, "a file path"), c => c.Devices.Availability.Length == 0 || ClockOn(c)),
        Number("devices.availability_period", "The availability trace repeats every this many virtual seconds (e.g. 86400 for a daily trace); 0 means its times are absolute.",
            c => c.Devices.AvailabilityPeriod, (c, v) => c.Devices.AvailabilityPeriod = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        NumberWhere("devices.deadline", "Virtual seconds a round waits: updates arriving later are discarded (counted as late); 0 means no deadline.",
            c => c.Devices.Deadline, (c, v) => c.Devices.Deadline = v, "≥ 0; above 0 needs devices.clock on",
            c => ClockNeeded(c, "a number ≥ 0"), c => c.Devices.Deadline >= 0 && double.IsFinite(c.Devices.Deadline) && (c.Devices.Deadline == 0 || ClockOn(c))),
        NumberWhere("devices.over_commit", "Over-commitment x: sample ⌈(1 + x)·K⌉ clients for K = server.clients_per_round and keep the first K updates to arrive; 0 means none.",
            c => c.Devices.OverCommit, (c, v) => c.Devices.OverCommit = v, "≥ 0; above 0 needs devices.clock on",
            c => ClockNeeded(c, "a number ≥ 0"), c => c.Devices.OverCommit >= 0 && double.IsFinite(c.Devices.OverCommit) && (c.Devices.OverCommit == 0 || ClockOn(c))),
        NumberWhere("devices.dropout", "Probability that a sampled client drops out of a round (a seeded draw per round and client; real failures are still retried).",
            c => c.Devices.Dropout, (c, v) => c.Devices.Dropout = v, "0 to 1; above 0 needs devices.clock on",
            c => ClockNeeded(c, "a number from 0 to 1"), c => c.Devices.Dropout is >= 0 and <= 1 && (c.Devices.Dropout == 0 || ClockOn(c))),
        Number("privacy.clip_norm", "server.strategy dpfedavg: every client scales its update to this L2 norm C before sending.",
            c => c.Privacy.ClipNorm, (c, v) => c.Privacy.ClipNorm = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("privacy.noise_multiplier", "server.strategy dpfedavg: z; Gaussian noise of standard deviation z·C is added once to the round's summed update.",
            c => c.Privacy.NoiseMultiplier, (c, v) => c.Privacy.NoiseMultiplier = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("privacy.delta", "server.strategy dpfedavg: δ of the (ε, δ) reported per round.",
            c => c.Privacy.Delta, (c, v) => c.Privacy.Delta = v, "> 0 and < 1", "a number > 0 and < 1", v => v is > 0 and < 1),
        Name("privacy.weighting", "server.strategy dpfedavg: divide the noised sum by the clients that answered (uniform) or by server.clients_per_round (fixed, the fixed-denominator estimator).",
            c => c.Privacy.Weighting, (c, v) => c.Privacy.Weighting = v, KnownNames.DpWeightings),
        NumberWhere("privacy.target_epsilon", "server.strategy dpfedavg: stop (status finished) before the first round whose ε would exceed this; 0 means no target.",
            c => c.Privacy.TargetEpsilon, (c, v) => c.Privacy.TargetEpsilon = v, "0, or ≥ the ε of one round",
            TargetEpsilonExpected, c => c.Privacy.TargetEpsilon == 0 || (c.Privacy.TargetEpsilon > 0 && double.IsFinite(c.Privacy.TargetEpsilon) && c.Privacy.TargetEpsilon >= FirstRoundEpsilon(c))),
        Name("privacy.adaptive_clipping", "server.strategy dpfedavg: on makes privacy.clip_norm the starting C, moved every round toward the privacy.target_quantile of the clients' update norms (Andrew et al. 2021) with a noised count of unclipped clients; the total noise multiplier stays privacy.noise_multiplier.",
            c => c.Privacy.AdaptiveClipping, (c, v) => c.Privacy.AdaptiveClipping = v, KnownNames.OffOn),
        Number("privacy.target_quantile", "Adaptive clipping: γ, the share of clients whose update norm C should cover.",
            c => c.Privacy.TargetQuantile, (c, v) => c.Privacy.TargetQuantile = v, "0 to 1", "a number from 0 to 1", v => v is >= 0 and <= 1),
        Number("privacy.clip_learning_rate", "Adaptive clipping: η of the geometric step C ← C·exp(−η·(b̃ − γ)), b̃ the noised share of unclipped clients.",
            c => c.Privacy.ClipLearningRate, (c, v) => c.Privacy.ClipLearningRate = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        NumberWhere("privacy.clipped_count_stddev", "Adaptive clipping: σ_b, the standard deviation of the Gaussian noise on the round's count of unclipped clients; 0 means server.clients_per_round / 20 (the paper's choice). The update's noise multiplier becomes (z^-2 − (2σ_b)^-2)^-1/2, so it must exceed z/2.",
            c => c.Privacy.ClippedCountStddev, (c, v) => c.Privacy.ClippedCountStddev = v, "≥ 0 (0 = clients_per_round / 20); with adaptive clipping on, the σ_b used > privacy.noise_multiplier / 2",
            CountStddevExpected, c => c.Privacy.ClippedCountStddev >= 0 && double.IsFinite(c.Privacy.ClippedCountStddev) && (!AdaptiveOn(c) || 2 * DpFedAvgOptions.CountStddevOf(c) > c.Privacy.NoiseMultiplier)),
        Number("privacy.local_epsilon", "client.update_steps local_dp: ε of every client's update (the Gaussian mechanism's σ = C·√(2 ln(1.25/δ))/ε).",
            c => c.Privacy.LocalEpsilon, (c, v) => c.Privacy.LocalEpsilon = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("privacy.local_delta", "client.update_steps local_dp: δ of every client's update.",
            c => c.Privacy.LocalDelta, (c, v) => c.Privacy.LocalDelta = v, "> 0 and < 1", "a number > 0 and < 1", v => v is > 0 and < 1),
        Number("privacy.local_clip_norm", "client.update_steps local_dp: the L2 norm C each client clips its update to before adding noise (the mechanism's sensitivity).",
            c => c.Privacy.LocalClipNorm, (c, v) => c.Privacy.LocalClipNorm = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("privacy.aggregate_clip_norm", "server.aggregate_steps clip: the L2 norm the server bounds each round's pseudo-gradient to.",
            c => c.Privacy.AggregateClipNorm, (c, v) => c.Privacy.AggregateClipNorm = v, "> 0", "a number > 0", v => v > 0 && double.IsFinite(v)),
        Number("privacy.aggregate_noise_stddev", "server.aggregate_steps gaussian_noise: σ of the Gaussian noise added to every value of each round's pseudo-gradient (not accounted: DP-FedAvg's accounted noise is the dpfedavg strategy's).",
            c => c.Privacy.AggregateNoiseStddev, (c, v) => c.Privacy.AggregateNoiseStddev = v, "≥ 0", "a number ≥ 0", v => v >= 0 && double.IsFinite(v)),
        // After the strategy's and the privacy keys, whose values it builds the strategy from.
        new ConfigKey("server.secure_aggregation", ConfigValueType.Name,
            "Simulated secure aggregation (docs/privacy.md): on makes every client send its weighted update as 64-bit fixed-point integers plus pairwise masks that cancel exactly in the sum, so silos and server only see masked updates and the exact aggregate; the model is bit for bit the one of off. Needs a weighted-sum strategy and client.codec float32. Costs O(cohort² × parameters) mask draws per round.",
            string.Join(", ", KnownNames.OffOn), () => KnownNames.OffOn, false,
            c => c.Server.SecureAggregation, (c, v) => c.Server.SecureAggregation = (string)v,
            node => ConfigValues.ParseText(node) is string s && KnownNames.OffOn.Contains(s) ? s : null,
            SecureAggregationExpected,
            c => KnownNames.OffOn.Contains(c.Server.SecureAggregation) && (c.Server.SecureAggregation == "off" || SecureAggregationConflict(c) is null)),
        new ConfigKey("server.aggregate_steps", ConfigValueType.Text,
            "Steps the server applies to each round's pseudo-gradient, comma-separated, in order, after every update is merged (silo partials combined, masks removed, the strategy's aggregate finished) and before the server optimizer: clip (to privacy.aggregate_clip_norm), gaussian_noise (σ = privacy.aggregate_noise_stddev). Empty: none.",
            "registered aggregate steps, comma-separated, each at most once", () => Components.AggregateSteps.Names, false,
            c => c.Server.AggregateSteps, (c, v) => c.Server.AggregateSteps = (string)v, ConfigValues.ParseText,
            _ => $"registered aggregate steps, comma-separated, each at most once ({string.Join(", ", Components.AggregateSteps.Names)})", c => AreSteps(c.Server.AggregateSteps, Components.AggregateSteps.Names)),

        Integer("silo.trainers", "Trainer threads (model replicas) per silo; 0 means one per core.",
            c => c.Silo.Trainers, (c, v) => c.Silo.Trainers = v, min: 0),
        Integer("silo.threads_per_trainer", "Torch intra-op threads per trainer; results are bitwise repeatable for a fixed value.",
            c => c.Silo.ThreadsPerTrainer, (c, v) => c.Silo.ThreadsPerTrainer = v, min: 1),
        Name("silo.compute", "How libtorch picks its CPU kernels: native (by this CPU's instruction set; bits are the same only on the same CPU type) or portable (ATen, MKL and oneDNN pinned to AVX2 before libtorch loads, so CPUs of other types can give the same bits; docs/reproducibility.md). A cluster's silos take it from their own settings (--compute).",
            c => c.Silo.Compute, (c, v) => c.Silo.Compute = v, KnownNames.ComputeModes),

        Name("storage.provider", "Where experiment state is committed after every round: local (a directory), azure (Azure Blob Storage), none (no persistence, no resume; for benchmarks).",
            c => c.Storage.Provider, (c, v) => c.Storage.Provider = v, KnownNames.StorageProviders),
        Text("storage.dir", "Directory of the local store (storage.provider local); relative paths are relative to the working directory.",
            c => c.Storage.Dir, (c, v) => c.Storage.Dir = v, "a non-empty path", "a non-empty directory path", v => v.Length > 0),
        Integer("storage.keep_rounds", "How many of the latest committed rounds keep their weights (for resume, and to fall back to if the latest is corrupt).",
            c => c.Storage.KeepRounds, (c, v) => c.Storage.KeepRounds = v, min: 1),
        Integer("storage.snapshot_every", "Also keep the weights of every k-th round for good (exportable, and a starting point for resume --from-round); 0 means none.",
            c => c.Storage.SnapshotEvery, (c, v) => c.Storage.SnapshotEvery = v, min: 0),
        Name("storage.best_metric", "Keep the best model so far by this metric on the validation split (needs data.validation_fraction > 0): accuracy (highest) or loss (lowest).",
            c => c.Storage.BestMetric, (c, v) => c.Storage.BestMetric = v, KnownNames.BestMetrics),
    ];

    /// <summary>
    /// Keys that may differ between a run and its resume: they change how long, how fast or where
    /// an experiment runs, never the model it computes round by round.
    /// </summary>
    public static IReadOnlySet<string> ResumeNeutralKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "experiment.name", "experiment.rounds", "data.dir", "server.max_in_flight", "server.eval_batch_size", "server.metrics",
        "server.aggregation", "silo.trainers", "storage.provider", "storage.dir", "storage.keep_rounds", "storage.snapshot_every",
    };

    /// <summary>
    /// Defaults that depend on another key, applied after binding to the keys a config did not set:
    /// server.lr becomes the server optimizer's own default (FedAvg's 1 would wreck an adaptive
    /// optimizer; <see cref="ServerOptimizers.ServerOptimizerDefaults"/>). The canonical JSON then holds
    /// the rate used, so a resume or a silo reads it as set.
    /// </summary>
    internal static void ApplyDependentDefaults(FluteConfig config, Func<string, bool> isSet)
    {
        if (!isSet("server.lr")) config.Server.Lr = ServerOptimizers.ServerOptimizerDefaults.LearningRate(config.Server.Optimizer);
    }

    /// <summary>The key with this full path (e.g. <c>client.lr</c>), or null.</summary>
    public static ConfigKey? Find(string path)
    {
        foreach (ConfigKey key in Keys)
        {
            if (key.Path == path) return key;
        }
        return null;
    }

    /// <summary>The keys of one section, in schema order.</summary>
    public static IReadOnlyList<ConfigKey> KeysOf(string section) => [.. Keys.Where(k => k.Section == section)];

    /// <summary>Loads the plug-ins as the key is read (before model.name and data.dataset, which may name their components).</summary>
    private static object? ParsePlugins(ConfigNode node)
    {
        if (ConfigValues.ParseText(node) is not string paths) return null;
        try
        {
            return PluginLoader.LoadAll(paths);
        }
        catch (PluginLoadException e)
        {
            throw new ConfigException("experiment.plugins", e.Message);
        }
    }
    private static bool IsFedBuff(FluteConfig c) => c.Server.Strategy == FedBuff.StrategyName;

    private static string SecureAggregationExpected(FluteConfig c) =>
        c.Server.SecureAggregation == "on" && SecureAggregationConflict(c) is string conflict
            ? $"off ({conflict})"
            : $"one of {string.Join(", ", KnownNames.OffOn)}";

    /// <summary>Why masked updates cannot work with <paramref name="c"/>, or null when they can.</summary>
    private static string? SecureAggregationConflict(FluteConfig c)
    {
        if (c.Client.Codec != Codecs.Float32Codec.CodecName)
            return $"secure aggregation masks the fixed-point form of float32 updates, but client.codec is {c.Client.Codec}";
        if (Components.Strategies.Contains(c.Server.Strategy) && StrategyRegistry.Create(c).Aggregator != AggregatorKind.WeightedSum)
            return $"server.strategy {c.Server.Strategy} inspects individual updates, which secure aggregation hides; use a weighted-sum strategy";
        return null;
    }

    private static bool ClockOn(FluteConfig c) => c.Devices.Clock == "on";

    private static string ClockNeeded(FluteConfig c, string expected) => ClockOn(c) ? expected : $"{expected}, with devices.clock on (it is off)";

    private static bool IsPowerlaw(FluteConfig c) => c.Data.Partition == "powerlaw";

    private static bool IsKrum(FluteConfig c) => c.Server.Strategy is KrumStrategy.StrategyName or MultiKrumStrategy.StrategyName;

    private static string ByzantineExpected(FluteConfig c)
    {
        if (!IsKrum(c)) return "an integer ≥ 0";
        int cohort = c.Server.ClientsPerRound;
        int max = KrumOptions.MaxByzantineClients(cohort);
        return max < 0
            ? $"a cohort larger than 2f + 2 for {c.Server.Strategy}, but server.clients_per_round is {cohort}: raise server.clients_per_round to at least 3"
            : $"an integer from 0 to {max} for {c.Server.Strategy}, which needs server.clients_per_round ({cohort}) > 2f + 2 (lower it, or raise server.clients_per_round to at least {2 * c.Server.ByzantineClients + 3})";
    }

    private static ConfigKey Integer(string path, string description, Func<FluteConfig, int> get, Action<FluteConfig, int> set, int min, bool required = false) =>
        IntegerWhere(path, description, get, set, $"≥ {min}", _ => $"an integer ≥ {min}", c => get(c) >= min, required);

    private static ConfigKey IntegerWhere(
        string path, string description, Func<FluteConfig, int> get, Action<FluteConfig, int> set,
        string allowed, Func<FluteConfig, string> expected, Func<FluteConfig, bool> isValid, bool required = false) =>
        new(path, ConfigValueType.Integer, description, allowed, null, required,
            c => get(c), (c, v) => set(c, (int)v), ConfigValues.ParseInt32, expected, isValid);

    private static ConfigKey Number(
        string path, string description, Func<FluteConfig, double> get, Action<FluteConfig, double> set,
        string allowed, string expected, Func<double, bool> isValid) =>
        new(path, ConfigValueType.Number, description, allowed, null, false,
            c => get(c), (c, v) => set(c, (double)v), ConfigValues.ParseNumber, _ => expected, c => isValid(get(c)));

    private static ConfigKey NumberWhere(
        string path, string description, Func<FluteConfig, double> get, Action<FluteConfig, double> set,
        string allowed, Func<FluteConfig, string> expected, Func<FluteConfig, bool> isValid) =>
        new(path, ConfigValueType.Number, description, allowed, null, false,
            c => get(c), (c, v) => set(c, (double)v), ConfigValues.ParseNumber, expected, isValid);

    /// <summary>A name key whose valid names also depend on other keys (<paramref name="allowedHere"/>, explained by <paramref name="expected"/>).</summary>
    private static ConfigKey NameWhere(
        string path, string description, Func<FluteConfig, string> get, Action<FluteConfig, string> set, string[] names,
        Func<FluteConfig, string> expected, Func<FluteConfig, bool> allowedHere) =>
        new(path, ConfigValueType.Name, description, string.Join(", ", names), () => names, false,
            c => get(c), (c, v) => set(c, (string)v),
            node => ConfigValues.ParseText(node) is string s && names.Contains(s) ? s : null,
            expected, c => names.Contains(get(c)) && allowedHere(c));

    private static ConfigKey Name(string path, string description, Func<FluteConfig, string> get, Action<FluteConfig, string> set, string[] names)
    {
        string list = string.Join(", ", names);
        return new(path, ConfigValueType.Name, description, list, () => names, false,
            c => get(c), (c, v) => set(c, (string)v),
            node => ConfigValues.ParseText(node) is string s && names.Contains(s) ? s : null,
            _ => $"one of {list}", c => names.Contains(get(c)));
    }

    /// <summary>
    /// A key naming a registered component: the names are read from the registry whenever the key
    /// parses, validates or documents itself, so registering a component is what makes its name valid.
    /// Names match as written (the registry's case-insensitive lookup is for code, not for configs,
    /// whose canonical form and hash keep the registered spelling).
    /// </summary>
    private static ConfigKey Component(string path, string description, Func<FluteConfig, string> get, Action<FluteConfig, string> set, Func<ComponentRegistry> registry) =>
        new(path, ConfigValueType.Name, description, "", () => registry().Names, false,
            c => get(c), (c, v) => set(c, (string)v),
            node => ConfigValues.ParseText(node) is string s && registry().Names.Contains(s) ? s : null,
            _ => $"one of {string.Join(", ", registry().Names)}", c => registry().Names.Contains(get(c)));

    private static ConfigKey Text(
        string path, string description, Func<FluteConfig, string> get, Action<FluteConfig, string> set,
        string allowed, string expected, Func<string, bool> isValid) =>
        new(path, ConfigValueType.Text, description, allowed, null, false,
            c => get(c), (c, v) => set(c, (string)v), ConfigValues.ParseText, _ => expected, c => isValid(get(c)));

    private static ConfigKey TextWhere(
        string path, string description, Func<FluteConfig, string> get, Action<FluteConfig, string> set,
        string allowed, Func<FluteConfig, string> expected, Func<FluteConfig, bool> isValid) =>
        new(path, ConfigValueType.Text, description, allowed, null, false,
            c => get(c), (c, v) => set(c, (string)v), ConfigValues.ParseText, expected, isValid);

    // Outside dpfedavg nothing spends ε, so any non-negative target is accepted (and ignored).
    private static double FirstRoundEpsilon(FluteConfig c) =>
        c.Server.Strategy == DpFedAvg.StrategyName && c.Privacy.NoiseMultiplier > 0 && c.Privacy.Delta is > 0 and < 1 && c.Data.NumClients > 0
            ? new DpFedAvg(DpFedAvgOptions.From(c)).SpentAfter(1).Epsilon
            : 0;

    private static string SamplingExpected(FluteConfig c) =>
        ClockOn(c) ? "fixed (devices.clock is on; the virtual clock draws fixed-size cohorts)"
        : IsKrum(c) ? $"fixed ({c.Server.Strategy} needs more than 2f + 2 updates every round; a Poisson cohort may be smaller)"
        : $"one of {string.Join(", ", KnownNames.Samplings)}";

    private static bool AdaptiveOn(FluteConfig c) => c.Server.Strategy == DpFedAvg.StrategyName && c.Privacy.AdaptiveClipping == "on";

    private static string CountStddevExpected(FluteConfig c) =>
        AdaptiveOn(c)
            ? $"0 or a number ≥ 0 such that σ_b (the value, or clients_per_round / 20 = {ConfigValues.Format(AdaptiveClipping.DefaultCountStddev(c.Server.ClientsPerRound))} for 0) > privacy.noise_multiplier / 2 = {ConfigValues.Format(c.Privacy.NoiseMultiplier / 2)}"
            : "a number ≥ 0";

    private static string TargetEpsilonExpected(FluteConfig c)
    {
        double first = FirstRoundEpsilon(c);
        return first > 0
            ? $"0 (no target) or a number ≥ {ConfigValues.Format(Math.Ceiling(first * 1000) / 1000)} (the ε of one round at these privacy settings)"
            : "0 (no target) or a number > 0";
    }

    /// <summary>Whether <paramref name="value"/> lists registered step names, comma-separated, each at most once.</summary>
    private static bool AreSteps(string value, IReadOnlyCollection<string> registered)
    {
        IReadOnlyList<string> names = UpdatePipeline.ClientUpdatePipeline.ParseNames(value);
        return names.All(registered.Contains) && names.Distinct().Count() == names.Count;
    }

    private static bool IsCodec(string name)
    {
        try
        {
            Codecs.CodecRegistry.Get(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ExperimentName();
}
