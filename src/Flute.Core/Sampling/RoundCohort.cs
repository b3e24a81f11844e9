using Flute.Core.Configuration;

namespace Flute.Core.Sampling;

/// <summary>The cohort of a round as server.sampling says: exactly K of N (<see cref="CohortSampler"/>) or Poisson with q = K/N (<see cref="PoissonCohortSampler"/>).</summary>
public static class RoundCohort
{
    /// <summary>The sorted client ids of round <paramref name="round"/> among <paramref name="population"/> clients; empty only under Poisson sampling.</summary>
    public static long[] Sample(FluteConfig config, long population, long round)
    {
        ArgumentNullException.ThrowIfNull(config);
        int cohort = config.Server.ClientsPerRound;
        ulong seed = config.Experiment.Seed;
        return config.Server.Sampling == "poisson"
            ? PoissonCohortSampler.Sample(population, PoissonCohortSampler.Probability(cohort, population), seed, round)
            : CohortSampler.Sample(population, cohort, seed, round);
    }
}
