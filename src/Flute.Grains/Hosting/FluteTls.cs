using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Orleans.Connections.Security;

namespace Flute.Grains.Hosting;

/// <summary>How a node decides that the certificate presented by the other end belongs to the cluster.</summary>
public enum FluteTlsPeerCheck
{
    /// <summary>
    /// The peer must present the very certificate in the file (compared by SHA-256 thumbprint) and it
    /// must be within its validity period: one shared cluster certificate, typically self-signed.
    /// Host names and the operating system's trust store play no part, so a self-signed certificate
    /// works on loopback and on IP addresses without switching validation off.
    /// </summary>
    SameCertificate,

    /// <summary>
    /// The peer's certificate must chain to a self-signed root certificate contained in the file (per-node
    /// certificates issued by one cluster CA; the file holds the node's certificate with its key plus the
    /// CA certificate). Only the roots in the file are trusted, not the system store; a self-signed
    /// certificate is its own root, so the same certificate passes too. Revocation is not checked.
    /// </summary>
    ChainToRoot,
}

/// <summary>
/// TLS for a Flute cluster (docs/security.md): a PKCS#12 (.pfx) certificate file and its optional password.
/// </summary>
/// <param name="CertificateFile">The .pfx file with the node's certificate and private key.</param>
/// <param name="Password">The file's password; <c>null</c> for none.</param>
public sealed record FluteTlsOptions(string CertificateFile, string? Password = null)
{
    /// <summary>How the remote certificate is checked. Default: <see cref="FluteTlsPeerCheck.SameCertificate"/>.</summary>
    public FluteTlsPeerCheck PeerCheck { get; init; } = FluteTlsPeerCheck.SameCertificate;

    // A record prints every property by default: keep the password out of logs and exception messages.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"CertificateFile = {CertificateFile}, Password = {(Password is null ? "null" : "***")}, PeerCheck = {PeerCheck}");
        return true;
    }
}

/// <summary>
/// Mutual TLS on every Orleans connection of a Flute cluster: silo to silo, and client to gateway. Both
/// ends present the cluster certificate and both check the other's (<see cref="FluteTlsPeerCheck"/>): the
/// client authenticates the gateway, and the gateway admits only clients holding the cluster certificate.
/// </summary>
public static class FluteTls
{
    /// <summary>Encrypts and authenticates silo-to-silo and gateway connections.</summary>
    /// <exception cref="ArgumentException">The certificate file is missing or unreadable, the password is wrong, or the certificate cannot serve (one line naming the file).</exception>
    public static ISiloBuilder UseFluteTls(this ISiloBuilder silo, FluteTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var configure = Configurator(options);
        return silo.UseTls(configure);
    }

    /// <summary>Encrypts the client's gateway connections, authenticates the gateway and presents the cluster certificate to it.</summary>
    /// <exception cref="ArgumentException">The certificate file is missing or unreadable, the password is wrong, or the certificate cannot serve (one line naming the file).</exception>
    public static IClientBuilder UseFluteTls(this IClientBuilder client, FluteTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        var configure = Configurator(options);
        return client.UseTls(configure);
    }

    // The file is read here, while the host is being configured, so a bad file stops start-up with one
    // line instead of failing every connection later.
    private static Action<TlsOptions> Configurator(FluteTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = Load(options);
        var validate = PeerValidator(options, certificate);
        return tls =>
        {
            tls.LocalCertificate = certificate;
            // Mutual TLS in both roles: as server, demand the peer's certificate; as client (silo
            // outbound or cluster client), always present ours. Orleans' default for the latter is to
            // present it only when allowed, which would turn a bad certificate into a silent refusal.
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = validate;
        };
    }

    /// <summary>Loads the node's certificate and checks that it can serve both TLS roles now.</summary>
    internal static X509Certificate2 Load(FluteTlsOptions options)
    {
        string file = options.CertificateFile;
        if (string.IsNullOrWhiteSpace(file))
            throw new ArgumentException("TLS certificate: no file given (a PKCS#12 .pfx file is expected)");
        // Read the bytes here rather than with LoadPkcs12FromFile, which reports a missing or unreadable
        // file as a CryptographicException, indistinguishable from a wrong password.
        byte[] data = ReadFile(file);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(data, options.Password);
        }
        catch (CryptographicException)
        {
            string why = options.Password is null ? "a password is needed, or it is not a PKCS#12 (.pfx) file" : "wrong password, or not a PKCS#12 (.pfx) file";
            throw new ArgumentException($"TLS certificate {file}: cannot be opened ({why})");
        }

        string? problem = null;
        var now = DateTime.Now;
        if (!certificate.HasPrivateKey) problem = "holds no private key";
        else if (now > certificate.NotAfter) problem = $"expired on {certificate.NotAfter:yyyy-MM-dd}";
        else if (now < certificate.NotBefore) problem = $"is not valid before {certificate.NotBefore:yyyy-MM-dd}";
        else if (MissingUsage(certificate) is { } usage) problem = $"has an extended key usage without {usage}, which every node needs";
        if (problem is not null)
        {
            certificate.Dispose();
            throw new ArgumentException($"TLS certificate {file}: the certificate {problem}");
        }
        return certificate;
    }

    private static byte[] ReadFile(string file)
    {
        if (Directory.Exists(file))
            throw new ArgumentException($"TLS certificate {file}: is a directory, not a .pfx file");
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"TLS certificate {file}: file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"TLS certificate {file}: cannot read the file ({e.Message})");
        }
    }

    // A node is TLS server and TLS client at once; without an EKU extension a certificate may be both.
    private static string? MissingUsage(X509Certificate2 certificate)
    {
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null) return null;
        var oids = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet();
        if (!oids.Contains("1.3.6.1.5.5.7.3.1")) return "serverAuth";
        if (!oids.Contains("1.3.6.1.5.5.7.3.2")) return "clientAuth";
        return null;
    }

    /// <summary>The check of the remote certificate that <see cref="FluteTlsOptions.PeerCheck"/> asks for.</summary>
    internal static RemoteCertificateValidator PeerValidator(FluteTlsOptions options, X509Certificate2 certificate) => options.PeerCheck switch
    {
        FluteTlsPeerCheck.SameCertificate => SameCertificate(certificate),
        FluteTlsPeerCheck.ChainToRoot => ChainToRoot(options),
        _ => throw new ArgumentException($"TLS peer check: unknown value {options.PeerCheck}"),
    };

    // The platform's verdict (untrusted root, name mismatch) is ignored on purpose: cluster membership is
    // proven by the certificate itself, and nodes are addressed by IP, which certificates rarely name.
    private static RemoteCertificateValidator SameCertificate(X509Certificate2 certificate)
    {
        byte[] expected = certificate.GetCertHash(HashAlgorithmName.SHA256);
        return (remote, _, _) => IsCurrent(remote) && remote.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
    }

    private static RemoteCertificateValidator ChainToRoot(FluteTlsOptions options)
    {
        // Load succeeded with the same file and password, so this read cannot fail for those reasons.
        var all = X509CertificateLoader.LoadPkcs12Collection(ReadFile(options.CertificateFile), options.Password);
        var roots = new X509Certificate2Collection();
        var intermediates = new X509Certificate2Collection();
        foreach (var c in all)
            (c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) ? roots : intermediates).Add(c);
        if (roots.Count == 0)
            throw new ArgumentException($"TLS certificate {options.CertificateFile}: holds no self-signed root certificate to trust (peer check {FluteTlsPeerCheck.ChainToRoot} needs the cluster CA in the file)");

        return (remote, presented, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
            if (presented is not null) chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(remote);
        };
    }

    private static bool IsCurrent(X509Certificate2 certificate)
    {
        var now = DateTime.Now;
        return now >= certificate.NotBefore && now <= certificate.NotAfter;
    }
}
