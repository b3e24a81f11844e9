using Flute.Core.Configuration;

namespace Flute.Core.Attacks;

/// <summary>
/// The simulated attack of an experiment (the <c>attack</c> section): which manipulation, on what share
/// of each cohort, with what strength. The server picks each round's attackers with
/// <see cref="AttackerSelection"/>; each attacker's client applies <see cref="UpdateAttack"/> to its
/// pseudo-gradient before the update is folded or returned, so every aggregator sees the manipulated update.
/// </summary>
/// <param name="Type">The manipulation; <see cref="AttackType.None"/> attacks nobody.</param>
/// <param name="Fraction">Share of each cohort that attacks, in [0, 1].</param>
/// <param name="Scale">Factor of sign flip and scale, standard deviation of the Gaussian attack.</param>
public sealed record AttackOptions(AttackType Type, double Fraction, double Scale)
{
    /// <summary>True when some round may have attackers.</summary>
    public bool IsActive => Type != AttackType.None;

    /// <summary>The options of a validated config's <c>attack</c> section.</summary>
    /// <exception cref="ArgumentException">attack.type is not one of <see cref="KnownNames.AttackTypes"/>.</exception>
    public static AttackOptions From(AttackSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new AttackOptions(ParseType(section.Type), section.Fraction, section.Scale);
    }

    /// <summary>The attack type of a config name (<c>sign_flip</c> → <see cref="AttackType.SignFlip"/>).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="KnownNames.AttackTypes"/>.</exception>
    public static AttackType ParseType(string name) => name switch
    {
        "none" => AttackType.None,
        "sign_flip" => AttackType.SignFlip,
        "scale" => AttackType.Scale,
        "gaussian" => AttackType.Gaussian,
        _ => throw new ArgumentException($"unknown attack type '{name}'; known: {string.Join(", ", KnownNames.AttackTypes)}", nameof(name)),
    };
}
