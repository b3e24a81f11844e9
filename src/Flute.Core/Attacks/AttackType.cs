namespace Flute.Core.Attacks;

/// <summary>How a simulated attacker manipulates its update (attack.type).</summary>
public enum AttackType
{
    /// <summary>No attack.</summary>
    None = 0,

    /// <summary>update ← −scale · update.</summary>
    SignFlip = 1,

    /// <summary>update ← scale · update.</summary>
    Scale = 2,

    /// <summary>update ← N(0, scale²) per coordinate.</summary>
    Gaussian = 3,
}
