using Flute.Grains.Hosting;

namespace Flute.Client.Cli;

/// <summary>TLS for the CLI's cluster client (docs/security.md): the cluster certificate, pinned by thumbprint.</summary>
internal static class FluteTlsWiring
{
    public static void Client(IClientBuilder client, string certificate, string? password) =>
        client.UseFluteTls(new FluteTlsOptions(certificate, password));
}
