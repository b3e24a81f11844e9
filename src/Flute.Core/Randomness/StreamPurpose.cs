namespace Flute.Core.Randomness;

/// <summary>
/// What a random stream is used for. Part of the stream's key, so two purposes never share draws.
/// Values are persisted implicitly (they change every draw), so never renumber them.
/// </summary>
public enum StreamPurpose : ulong
{
    Cohort = 1,
    DataOrder = 2,
    ModelInit = 3,
    Partition = 4,
    Dropout = 5,
    Noise = 6,
    Torch = 7,
    Evaluation = 8,
    /// <summary>The samples data.validation_fraction holds out of the training pool.</summary>
    Validation = 9,
    /// <summary>The synthetic data set: client k's model, mean and samples (round 0: training clients; 1: test clients; 2: validation clients).</summary>
    Synthetic = 10,
    /// <summary>Which cohort members send a manipulated update (attack simulation), keyed per client.</summary>
    AttackSelection = 11,
    /// <summary>The noise a simulated gaussian attacker sends instead of its update.</summary>
    AttackNoise = 12,
    /// <summary>Whether DGA defers a client's update to the next round (its stale_prob option).</summary>
    StaleUpdate = 13,
    /// <summary>A client's simulated device (compute speed, bandwidth) when no trace lists it, keyed per client (round -1).</summary>
    DeviceProfile = 14,
    /// <summary>Whether a sampled client drops out of a round (devices.dropout), keyed per (round, client).</summary>
    ClientDropout = 15,
    /// <summary>The candidate order of a cohort drawn among the clients available at the round's virtual start (devices.availability).</summary>
    Availability = 16,
    /// <summary>The stochastic rounding of a client's update by a quantizing codec (client.codec quant:N), keyed per (round, client).</summary>
    QuantizationRounding = 19,
    /// <summary>The Gaussian noise central DP (server.strategy dpfedavg) adds to a round's summed update, keyed per round.</summary>
    DpNoise = 20,
    /// <summary>Which of a client's samples form its own test split for per-client evaluation (server.client_eval), keyed per client.</summary>
    ClientTestSplit = 23,
    /// <summary>The data order of a client's personalization steps before it is evaluated (server.personalization_steps).</summary>
    Personalization = 24,
    /// <summary>The Gaussian noise adaptive clipping (privacy.adaptive_clipping) adds to a round's count of unclipped clients, keyed per round.</summary>
    ClipCountNoise = 25,
    /// <summary>The geometric gaps between the clients of a Poisson-sampled cohort (server.sampling poisson), keyed per round.</summary>
    PoissonCohort = 26,
    /// <summary>The Gaussian noise a client adds to its own update under local DP (client.update_steps local_dp), keyed per (round, client).</summary>
    LocalDpNoise = 27,
    /// <summary>A pairwise secure-aggregation mask (server.secure_aggregation), keyed per (round, lower client id, higher client id).</summary>
    SecureAggregationMask = 29,
    /// <summary>The Gaussian noise the server's gaussian_noise aggregate step (server.aggregate_steps) adds to a round's pseudo-gradient, keyed per round.</summary>
    AggregateNoise = 30,
}
