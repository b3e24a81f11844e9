namespace Flute.Client.Tests;

/// <summary>Small real-MNIST experiments that finish in about a second, for process tests.</summary>
internal static class TestConfigs
{
    /// <summary>Logistic regression, 50 iid clients, 5 per round, 64 samples each, 2 trainers.</summary>
    public static string SmallMnist(string name, int rounds = 3, int evalEvery = 10) => $"""
        experiment:
          name: {name}
          seed: 3
          rounds: {rounds}
        data:
          dataset: mnist
          partition: iid
          num_clients: 50
        model:
          name: logreg
        client:
          lr: 0.05
          batch_size: 16
          max_samples: 64
        server:
          clients_per_round: 5
          eval_every: {evalEvery}
        silo:
          trainers: 2
        """;
}
