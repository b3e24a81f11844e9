namespace Flute.Client.Cli;

/// <summary>TLS for the CLI's cluster client (docs/security.md).</summary>
internal static class FluteTlsWiring
{
    public static void Client(IClientBuilder client, string certificate, string? password) =>
        throw new UsageException("--tls-cert: TLS is not wired yet");
}
