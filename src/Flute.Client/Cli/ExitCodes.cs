namespace Flute.Client.Cli;

/// <summary>The CLI's exit codes (docs/cli.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The experiment failed while running.</summary>
    public const int Failed = 1;
    /// <summary>Bad input: command line, config, or data location.</summary>
    public const int BadInput = 2;
    /// <summary>The store could not be reached or written after bounded retries; the last committed round is intact.</summary>
    public const int StorageUnavailable = 3;
}
