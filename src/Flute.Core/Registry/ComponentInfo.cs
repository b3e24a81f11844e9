namespace Flute.Core.Registry;

/// <summary>A registered component as help and docs show it: its name and a one-line description.</summary>
/// <param name="Name">The name configs use (matched case-insensitively).</param>
/// <param name="Description">One line saying what the component is.</param>
public sealed record ComponentInfo(string Name, string Description);
