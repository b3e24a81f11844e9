namespace Flute.Core.Strategies;

/// <summary>
/// Federated Averaging: the round's update is the mean of the clients' pseudo-gradients weighted by
/// their sample counts, applied by the server optimizer (plain SGD with learning rate 1 reproduces the
/// paper). McMahan, Moore, Ramage, Hampson and Agüera y Arcas, "Communication-Efficient Learning of
/// Deep Networks from Decentralized Data", AISTATS 2017, arXiv:1602.05629.
/// </summary>
public sealed class FedAvg : WeightedSumStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "fedavg";

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <inheritdoc />
    public override double ClientWeight(in ClientUpdateInfo info) => info.SampleCount;
}
