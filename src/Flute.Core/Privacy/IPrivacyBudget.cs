namespace Flute.Core.Privacy;

/// <summary>
/// A strategy whose rounds spend a differential-privacy budget (DP-FedAvg): the experiment reports
/// the (ε, δ) spent after every round in metrics.jsonl and summary.json, and stops before a round
/// that would exceed the configured target. The spend is a pure function of the round count, so a
/// resumed run reports what the uninterrupted one did.
/// </summary>
public interface IPrivacyBudget
{
    /// <summary>The (ε, δ) spent after <paramref name="rounds"/> rounds.</summary>
    PrivacySpent SpentAfter(int rounds);

    /// <summary>Whether round <paramref name="round"/> may run within the target (true without one).</summary>
    bool WithinBudget(int round);
}
