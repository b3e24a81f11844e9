namespace Flute.Core.Configuration;

/// <summary>
/// A validated experiment configuration. Built only by <see cref="ConfigLoader"/>, which checks
/// every key (docs/configuration.md documents each one). Property names map to snake_case YAML keys.
/// </summary>
public sealed class FluteConfig
{
    public ExperimentSection Experiment { get; set; } = new();
    public DataSection Data { get; set; } = new();
    public ModelSection Model { get; set; } = new();
    public ClientSection Client { get; set; } = new();
    public ServerSection Server { get; set; } = new();
    public AttackSection Attack { get; set; } = new();
    public DevicesSection Devices { get; set; } = new();
    public PrivacySection Privacy { get; set; } = new();
    public SiloSection Silo { get; set; } = new();
    public StorageSection Storage { get; set; } = new();
}

/// <summary>The <c>experiment</c> section: what the run is called, its seed and its length.</summary>
public sealed class ExperimentSection
{
    /// <summary>experiment.name: used in the default experiment id.</summary>
    public string Name { get; set; } = "experiment";
    /// <summary>experiment.seed: every random stream derives from it.</summary>
    public ulong Seed { get; set; }
    /// <summary>experiment.rounds: number of federated rounds (≥ 1).</summary>
    public int Rounds { get; set; } = 1;
    /// <summary>experiment.plugins: plug-in assemblies as comma-separated full paths (loaded when the config is read); empty = none.</summary>
    public string Plugins { get; set; } = "";
}

/// <summary>The <c>data</c> section: the data set and how it is split across clients.</summary>
public sealed class DataSection
{
    /// <summary>data.dataset: registered data set name (mnist).</summary>
    public string Dataset { get; set; } = "mnist";
    /// <summary>data.partition: iid | dirichlet | shards | powerlaw.</summary>
    public string Partition { get; set; } = "iid";
    /// <summary>data.num_clients: population size.</summary>
    public int NumClients { get; set; } = 100;
    /// <summary>data.alpha: Dirichlet concentration (dirichlet only).</summary>
    public double Alpha { get; set; } = 0.5;
    /// <summary>data.shards_per_client: shards per client (shards only).</summary>
    public int ShardsPerClient { get; set; } = 2;
    /// <summary>data.dir: directory of the data set's files; empty = the data cache (fetched on first use).</summary>
    public string Dir { get; set; } = "";
    /// <summary>data.file: the file of data.dataset partitioned (built by flute data partition).</summary>
    public string File { get; set; } = "";
    /// <summary>data.beta: synthetic only: spread of the clients' feature means.</summary>
    public double Beta { get; set; } = 1.0;
    /// <summary>data.max_samples_per_client: synthetic only: cap on a client's sample count; 0 = no cap.</summary>
    public int MaxSamplesPerClient { get; set; } = 1000;
    /// <summary>data.validation_fraction: share of the training pool held out for validation before partitioning (never the test set).</summary>
    public double ValidationFraction { get; set; }
    /// <summary>data.seq_len: text data sets only: characters per sample window (the label is the next one).</summary>
    public int SeqLen { get; set; } = 80;
    /// <summary>data.text_clients: text data sets only: president | speech (what one client is).</summary>
    public string TextClients { get; set; } = "president";
}

/// <summary>The <c>model</c> section: the architecture trained.</summary>
public sealed class ModelSection
{
    /// <summary>model.name: logreg | mlp | cnn | cnn-small.</summary>
    public string Name { get; set; } = "logreg";
    /// <summary>model.hidden: hidden units of the mlp model; recurrent width of lstm and gru.</summary>
    public int Hidden { get; set; } = 200;
}

/// <summary>The <c>client</c> section: local training on each sampled client.</summary>
public sealed class ClientSection
{
    /// <summary>client.optimizer: sgd | adam.</summary>
    public string Optimizer { get; set; } = "sgd";
    /// <summary>client.lr: client learning rate (&gt; 0); the rate of round 1 under a schedule.</summary>
    public double Lr { get; set; } = 0.01;
    /// <summary>client.momentum: heavy-ball momentum of sgd in [0, 1); 0 = none.</summary>
    public double Momentum { get; set; }
    /// <summary>client.weight_decay: L2 penalty added to the gradient (sgd and adam); 0 = none.</summary>
    public double WeightDecay { get; set; }
    /// <summary>client.adam_beta1: decay of adam's first moment, in [0, 1).</summary>
    public double AdamBeta1 { get; set; } = 0.9;
    /// <summary>client.adam_beta2: decay of adam's second moment, in [0, 1).</summary>
    public double AdamBeta2 { get; set; } = 0.999;
    /// <summary>client.adam_eps: adam's denominator term (&gt; 0).</summary>
    public double AdamEps { get; set; } = 1e-8;
    /// <summary>client.max_grad_norm: clip each step's total gradient L2 norm to this; 0 = off.</summary>
    public double MaxGradNorm { get; set; }
    /// <summary>client.lr_schedule: constant | step | exponential | cosine, by round.</summary>
    public string LrSchedule { get; set; } = "constant";
    /// <summary>client.lr_gamma: decay factor of the step and exponential schedules, in (0, 1].</summary>
    public double LrGamma { get; set; } = 0.1;
    /// <summary>client.lr_step_rounds: rounds between decays of the step schedule.</summary>
    public int LrStepRounds { get; set; } = 10;
    /// <summary>client.lr_min: final rate of the cosine schedule, in [0, client.lr].</summary>
    public double LrMin { get; set; }
    /// <summary>client.codec: how a client encodes its update (float32, float16, bfloat16, quant:N); see docs/extending/06-codec.md.</summary>
    public string Codec { get; set; } = "float32";
    /// <summary>client.update_steps: comma-separated update steps applied in order after training, before encoding ("" = none).</summary>
    public string UpdateSteps { get; set; } = "";
    /// <summary>client.batch_size: samples per local step.</summary>
    public int BatchSize { get; set; } = 32;
    /// <summary>client.local_epochs: passes over the client's data per round.</summary>
    public int LocalEpochs { get; set; } = 1;
    /// <summary>client.max_samples: cap on samples a client uses per round; 0 = no cap.</summary>
    public int MaxSamples { get; set; }
}

/// <summary>The <c>server</c> section: aggregation, cohort size, evaluation cadence and call limits.</summary>
public sealed class ServerSection
{
    /// <summary>server.strategy: a registered strategy (fedavg, fedprox, median, trimmed_mean, krum, multikrum).</summary>
    public string Strategy { get; set; } = "fedavg";
    /// <summary>server.proximal_mu: FedProx's proximal coefficient μ ≥ 0 (other strategies ignore it).</summary>
    public double ProximalMu { get; set; } = Strategies.FedProxOptions.DefaultProximalMu;
    /// <summary>server.trim_fraction: the trimmed mean's β in [0, 0.5) (other strategies ignore it).</summary>
    public double TrimFraction { get; set; } = Strategies.TrimmedMeanOptions.DefaultTrimFraction;
    /// <summary>server.byzantine_clients: Krum's and Multi-Krum's f ≥ 0 (other strategies ignore it).</summary>
    public int ByzantineClients { get; set; } = Strategies.KrumOptions.DefaultByzantineClients;
    /// <summary>server.multikrum_selected: Multi-Krum's m; 0 = n − f (other strategies ignore it).</summary>
    public int MultikrumSelected { get; set; }
    /// <summary>server.dga_beta: DGA's softmax sharpness β ≥ 0 over −β × per-sample training loss (other strategies ignore it).</summary>
    public double DgaBeta { get; set; } = Strategies.DgaOptions.DefaultBeta;
    /// <summary>server.dga_stale_prob: DGA's probability in [0, 1] of holding an update back one round; 0 = off.</summary>
    public double DgaStaleProb { get; set; }
    /// <summary>server.qffl_q: q-FFL's fairness exponent q ≥ 0 (other strategies ignore it).</summary>
    public double QfflQ { get; set; } = Strategies.QFflOptions.DefaultQ;
    /// <summary>server.qffl_lipschitz: q-FFL's Lipschitz constant L &gt; 0; 0 = 1 / client.lr, as the paper.</summary>
    public double QfflLipschitz { get; set; }
    /// <summary>server.client_eval: none | cohort | all — which clients test the global model on their own test split in evaluated rounds.</summary>
    public string ClientEval { get; set; } = "none";
    /// <summary>server.client_test_fraction: share of a client's samples held out as its own test split when the data set has none.</summary>
    public double ClientTestFraction { get; set; } = 0.2;
    /// <summary>server.personalization_steps: local fine-tuning steps before a client's personalized evaluation; 0 = none.</summary>
    public int PersonalizationSteps { get; set; }
    /// <summary>server.optimizer: sgd | adam | yogi | adagrad.</summary>
    public string Optimizer { get; set; } = "sgd";
    /// <summary>server.lr: server learning rate (FedAvg = 1.0); when a config does not set it, the optimizer's default (ServerOptimizerDefaults).</summary>
    public double Lr { get; set; } = ServerOptimizers.ServerOptimizerDefaults.FedAvgLearningRate;
    /// <summary>server.lr_schedule: the server rate by round (constant | step | exponential | cosine).</summary>
    public string LrSchedule { get; set; } = "constant";
    /// <summary>server.lr_gamma: decay factor of the step and exponential schedules, in (0, 1].</summary>
    public double LrGamma { get; set; } = 0.1;
    /// <summary>server.lr_step_rounds: rounds between decays of the step schedule.</summary>
    public int LrStepRounds { get; set; } = 10;
    /// <summary>server.lr_min: final rate of the cosine schedule, in [0, server.lr].</summary>
    public double LrMin { get; set; }
    /// <summary>server.momentum: server momentum in [0, 1).</summary>
    public double Momentum { get; set; }
    /// <summary>server.beta1: first-moment decay of adam, yogi and adagrad, in [0, 1).</summary>
    public double Beta1 { get; set; } = ServerOptimizers.AdaptiveOptimizerOptions.DefaultBeta1;
    /// <summary>server.beta2: second-moment decay of adam and yogi, in [0, 1).</summary>
    public double Beta2 { get; set; } = ServerOptimizers.AdaptiveOptimizerOptions.DefaultBeta2;
    /// <summary>server.tau: adaptivity τ of adam, yogi and adagrad (&gt; 0).</summary>
    public double Tau { get; set; } = ServerOptimizers.AdaptiveOptimizerOptions.DefaultTau;
    /// <summary>server.clients_per_round: cohort size (≤ data.num_clients).</summary>
    public int ClientsPerRound { get; set; } = 10;
    /// <summary>server.sampling: fixed (exactly clients_per_round of num_clients) | poisson (each client with probability clients_per_round / num_clients).</summary>
    public string Sampling { get; set; } = "fixed";
    /// <summary>server.eval_every: evaluate every k rounds (and after the last); 0 = only after the last.</summary>
    public int EvalEvery { get; set; } = 10;
    /// <summary>server.max_in_flight: training calls in flight at once; 0 = 4 × silo.trainers.</summary>
    public int MaxInFlight { get; set; }
    /// <summary>server.max_retries: retries of a failed training call before the experiment fails.</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>server.aggregation: auto (silo on a cluster of several silos, else direct), silo (each silo sums its clients' updates; one partial per silo reaches the server) or direct (every update goes to the server).</summary>
    public string Aggregation { get; set; } = "auto";
    /// <summary>server.secure_aggregation: off | on — clients send pairwise-masked fixed-point updates that cancel exactly in the sum (docs/privacy.md).</summary>
    public string SecureAggregation { get; set; } = "off";
    /// <summary>server.aggregate_steps: comma-separated steps applied in order to each round's pseudo-gradient before the server optimizer ("" = none).</summary>
    public string AggregateSteps { get; set; } = "";
    /// <summary>server.eval_batch_size: samples per evaluation batch.</summary>
    public int EvalBatchSize { get; set; } = 1000;
    /// <summary>server.metrics: comma-separated metrics reported besides accuracy and loss at every evaluation ("" = none).</summary>
    public string Metrics { get; set; } = "";
    /// <summary>server.fedbuff_concurrency: FedBuff's C, clients training at once.</summary>
    public int FedbuffConcurrency { get; set; } = 20;
    /// <summary>server.fedbuff_buffer: FedBuff's M, arrivals per server step (≤ C).</summary>
    public int FedbuffBuffer { get; set; } = 10;
}

/// <summary>The <c>attack</c> section: simulated attackers in every cohort, for robustness experiments.</summary>
public sealed class AttackSection
{
    /// <summary>attack.type: none | sign_flip | scale | gaussian.</summary>
    public string Type { get; set; } = "none";
    /// <summary>attack.fraction: share of each cohort that attacks, in [0, 1].</summary>
    public double Fraction { get; set; }
    /// <summary>attack.scale: the factor of sign_flip and scale, the standard deviation of gaussian (≥ 0).</summary>
    public double Scale { get; set; } = 1.0;
}

/// <summary>The <c>devices</c> section: the virtual clock of simulated devices and the round policies it drives (docs/heterogeneity.md).</summary>
public sealed class DevicesSection
{
    /// <summary>devices.clock: off | on.</summary>
    public string Clock { get; set; } = "off";
    /// <summary>devices.speed_median: median training speed, samples per virtual second.</summary>
    public double SpeedMedian { get; set; } = 50;
    /// <summary>devices.speed_sigma: σ of the lognormal speed distribution (0 = every device at the median).</summary>
    public double SpeedSigma { get; set; } = 0.8;
    /// <summary>devices.bandwidth_median: median link bandwidth, bytes per virtual second.</summary>
    public double BandwidthMedian { get; set; } = 1_000_000;
    /// <summary>devices.bandwidth_sigma: σ of the lognormal bandwidth distribution.</summary>
    public double BandwidthSigma { get; set; } = 0.8;
    /// <summary>devices.trace: CSV of client_id,samples_per_second,bytes_per_second; empty = none.</summary>
    public string Trace { get; set; } = "";
    /// <summary>devices.availability: CSV of client_id,start,end[,start,end…]; empty = always online.</summary>
    public string Availability { get; set; } = "";
    /// <summary>devices.availability_period: the availability trace repeats every this many virtual seconds; 0 = absolute times.</summary>
    public double AvailabilityPeriod { get; set; }
    /// <summary>devices.deadline: virtual seconds after which an update is discarded; 0 = none.</summary>
    public double Deadline { get; set; }
    /// <summary>devices.over_commit: x, sample ⌈(1 + x)·K⌉ and keep the first K.</summary>
    public double OverCommit { get; set; }
    /// <summary>devices.dropout: probability that a sampled client drops out of a round.</summary>
    public double Dropout { get; set; }
}

/// <summary>The <c>privacy</c> section: central differential privacy (server.strategy dpfedavg); docs/privacy.md.</summary>
public sealed class PrivacySection
{
    /// <summary>privacy.clip_norm: C, the L2 norm every client scales its update to (&gt; 0).</summary>
    public double ClipNorm { get; set; } = 1.0;
    /// <summary>privacy.noise_multiplier: z; the noise on the summed update has standard deviation z·C (&gt; 0).</summary>
    public double NoiseMultiplier { get; set; } = 1.0;
    /// <summary>privacy.delta: δ of the reported (ε, δ), in (0, 1).</summary>
    public double Delta { get; set; } = 1e-5;
    /// <summary>privacy.weighting: uniform (divide by the clients that answered) | fixed (divide by server.clients_per_round).</summary>
    public string Weighting { get; set; } = "uniform";
    /// <summary>privacy.target_epsilon: stop before a round whose ε would exceed this; 0 = no target.</summary>
    public double TargetEpsilon { get; set; }
    /// <summary>privacy.adaptive_clipping: off | on (C follows a quantile of the update norms; Andrew et al. 2021).</summary>
    public string AdaptiveClipping { get; set; } = "off";
    /// <summary>privacy.target_quantile: γ, the share of clients whose update norm C should cover.</summary>
    public double TargetQuantile { get; set; } = 0.5;
    /// <summary>privacy.clip_learning_rate: η of the geometric update C ← C·exp(−η(b̃ − γ)).</summary>
    public double ClipLearningRate { get; set; } = 0.2;
    /// <summary>privacy.clipped_count_stddev: σ_b, the noise on the count of unclipped clients; 0 = server.clients_per_round / 20.</summary>
    public double ClippedCountStddev { get; set; }
    /// <summary>privacy.local_epsilon: ε of each client's update under local DP (client.update_steps local_dp), &gt; 0.</summary>
    public double LocalEpsilon { get; set; } = 1.0;
    /// <summary>privacy.local_delta: δ of each client's update under local DP, in (0, 1).</summary>
    public double LocalDelta { get; set; } = 1e-5;
    /// <summary>privacy.local_clip_norm: the L2 norm each client clips its update to before adding local DP noise (&gt; 0).</summary>
    public double LocalClipNorm { get; set; } = 1.0;
    /// <summary>privacy.aggregate_clip_norm: the L2 norm the server's clip aggregate step (server.aggregate_steps) bounds each round's pseudo-gradient to (&gt; 0).</summary>
    public double AggregateClipNorm { get; set; } = 1.0;
    /// <summary>privacy.aggregate_noise_stddev: σ of the server's gaussian_noise aggregate step (server.aggregate_steps), ≥ 0.</summary>
    public double AggregateNoiseStddev { get; set; }
}

/// <summary>The <c>silo</c> section: trainer threads per silo; changes speed, not results (for a fixed threads_per_trainer).</summary>
public sealed class SiloSection
{
    /// <summary>silo.trainers: trainer threads (model replicas) per silo; 0 = one per core.</summary>
    public int Trainers { get; set; }
    /// <summary>silo.threads_per_trainer: torch intra-op threads per trainer.</summary>
    public int ThreadsPerTrainer { get; set; } = 1;
    /// <summary>silo.compute: native (libtorch picks kernels by CPU) | portable (dispatch pinned to AVX2; docs/reproducibility.md).</summary>
    public string Compute { get; set; } = "native";
}

/// <summary>The <c>storage</c> section: where experiment state is committed and which rounds are kept.</summary>
public sealed class StorageSection
{
    /// <summary>storage.provider: local | azure | none (none: no persistence, for benchmarks).</summary>
    public string Provider { get; set; } = "local";
    /// <summary>storage.dir: the local store's directory.</summary>
    public string Dir { get; set; } = ".flute";
    /// <summary>storage.keep_rounds: the latest committed rounds whose weights are kept.</summary>
    public int KeepRounds { get; set; } = 2;
    /// <summary>storage.snapshot_every: also keep every k-th round's weights; 0 = none.</summary>
    public int SnapshotEvery { get; set; }
    /// <summary>storage.best_metric: keep the best model by validation accuracy or loss.</summary>
    public string BestMetric { get; set; } = "accuracy";
}
