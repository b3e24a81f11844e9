using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flute.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace Flute.Grains.Tests.Hosting;

[Alias("Flute.Grains.Tests.Hosting.ITlsEchoGrain")]
public interface ITlsEchoGrain : IGrainWithIntegerKey
{
    Task<string> EchoAsync(string text);
}

public sealed class TlsEchoGrain : Grain, ITlsEchoGrain
{
    public Task<string> EchoAsync(string text) => Task.FromResult(text);
}

/// <summary>
/// One real silo on 127.0.0.1 with <see cref="FluteTls.UseFluteTls(ISiloBuilder, FluteTlsOptions)"/> and a
/// self-signed cluster certificate; a second, unrelated self-signed certificate plays the stranger.
/// </summary>
public sealed class TlsSiloFixture : IAsyncLifetime
{
    public const string Password = "cluster-secret";
    public const string ClusterId = "flute-tls-test";
    public const string ServiceId = "flute-tls-test";

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("flute-tls-").FullName;
    public string ClusterCertificate => Path.Combine(Directory, "cluster.pfx");
    public string StrangerCertificate => Path.Combine(Directory, "stranger.pfx");
    public int SiloPort { get; private set; }
    public int GatewayPort { get; private set; }
    private IHost? _silo;

    public async Task InitializeAsync()
    {
        WriteSelfSigned(ClusterCertificate, "flute-cluster", Password);
        WriteSelfSigned(StrangerCertificate, "flute-stranger", Password);
        SiloPort = FreePort();
        GatewayPort = FreePort();

        var builder = QuietBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(SiloPort, GatewayPort, serviceId: ServiceId, clusterId: ClusterId)
            .UseFluteTls(new FluteTlsOptions(ClusterCertificate, Password)));
        _silo = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _silo.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _silo.StopAsync(timeout.Token);
            _silo.Dispose();
        }
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    public static HostApplicationBuilder QuietBuilder()
    {
        // No appsettings or environment: a stray ORLEANS_* variable must not change what is tested.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>A self-signed ECDSA certificate valid for a day, usable as TLS server and client, in a .pfx.</summary>
    public static void WriteSelfSigned(string path, string name, string password, bool clientAuth = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") };
        if (clientAuth) usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        File.WriteAllBytes(path, certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password));
    }

    /// <summary>A cluster CA and, per node, a .pfx with the node's own certificate (issued by the CA) plus the CA certificate.</summary>
    public static void WriteIssuedByCa(string caName, string password, params string[] nodeFiles)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(2));
        using var caPublic = X509CertificateLoader.LoadCertificate(ca.RawData);
        foreach (string file in nodeFiles)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={Path.GetFileNameWithoutExtension(file)}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
            using var issued = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
            using var node = issued.CopyWithPrivateKey(key);
            var bundle = new X509Certificate2Collection { node, caPublic };
            File.WriteAllBytes(file, bundle.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password));
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed class TlsTests(TlsSiloFixture fixture, ITestOutputHelper output) : IClassFixture<TlsSiloFixture>
{
    /// <summary>How long a client may try; a good one connects and answers in about 2 s.</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Grain_call_through_a_TLS_client_succeeds()
    {
        var clock = Stopwatch.StartNew();

        string reply = await ConnectAndEchoAsync(c => c.UseFluteTls(new FluteTlsOptions(fixture.ClusterCertificate, TlsSiloFixture.Password)), TimeSpan.FromSeconds(20));

        Assert.Equal("hello over tls", reply);
        output.WriteLine($"TLS client answered in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Client_without_TLS_is_refused()
    {
        await RefusedAsync(_ => { });
    }

    [Fact]
    public async Task Client_with_another_certificate_is_refused()
    {
        var log = await RefusedAsync(c => c.UseFluteTls(new FluteTlsOptions(fixture.StrangerCertificate, TlsSiloFixture.Password)));

        // The client itself turned the gateway down: it authenticates the server.
        Assert.Contains(log.Exceptions, e => e is AuthenticationException);
    }

    [Fact]
    public async Task Gateway_refuses_a_stranger_even_if_the_client_trusts_any_server()
    {
        // Isolates the server's half of mutual TLS: this client would accept the gateway's certificate.
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(fixture.StrangerCertificate, TlsSiloFixture.Password);

        bool acceptedGateway = false;

        await RefusedAsync(c => c.UseTls(stranger, tls => tls.RemoteCertificateValidation = (_, _, _) => acceptedGateway = true));

        // The client accepted the gateway's certificate; the gateway closed the connection on seeing the client's.
        Assert.True(acceptedGateway);
    }

    [Fact]
    public async Task Silo_port_speaks_TLS_and_demands_the_cluster_certificate()
    {
        using var cluster = X509CertificateLoader.LoadPkcs12FromFile(fixture.ClusterCertificate, TlsSiloFixture.Password);
        using var stranger = X509CertificateLoader.LoadPkcs12FromFile(fixture.StrangerCertificate, TlsSiloFixture.Password);

        var protocol = await HandshakeAsync(fixture.SiloPort, cluster);
        var refusal = await Record.ExceptionAsync(async () =>
        {
            // TLS 1.3 sends the client certificate after the client considers the handshake done, so the
            // refusal can surface on the first read rather than in AuthenticateAsClientAsync.
            await HandshakeAsync(fixture.SiloPort, stranger, readAfter: true);
        });

        Assert.True(protocol is SslProtocols.Tls12 or SslProtocols.Tls13, $"negotiated {protocol}");
        Assert.True(refusal is AuthenticationException or IOException or EndOfStreamException, $"expected a refused handshake, got {refusal?.GetType().Name ?? "success"}");
    }

    [Fact]
    public async Task Second_silo_with_the_cluster_certificate_joins()
    {
        var clock = Stopwatch.StartNew();
        var (second, failure) = await StartSecondSiloAsync(fixture.ClusterCertificate);
        using (second)
        {
            Assert.Null(failure);
            var hosts = await ConnectAsync(c => c.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true));

            Assert.Equal(2, hosts.Count);
            output.WriteLine($"second silo joined and was listed in {clock.ElapsedMilliseconds} ms");
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await second.StopAsync(stop.Token);
        }
    }

    [Fact]
    public async Task Silo_with_another_certificate_cannot_join()
    {
        var clock = Stopwatch.StartNew();

        var (second, failure) = await StartSecondSiloAsync(fixture.StrangerCertificate);
        second.Dispose();

        // It gave up on its own (membership join), not by the 20 s cancellation.
        Assert.NotNull(failure);
        Assert.IsNotAssignableFrom<OperationCanceledException>(failure);
        output.WriteLine($"stranger silo failed after {clock.ElapsedMilliseconds} ms: {failure.GetType().Name}: {failure.Message.Split('\n')[0]}");
    }

    /// <summary>Starts a second silo that joins the fixture's, which it knows as primary; it gives up joining after 3 s.</summary>
    private async Task<(IHost Host, Exception? Failure)> StartSecondSiloAsync(string certificate)
    {
        var builder = TlsSiloFixture.QuietBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(TlsSiloFixture.FreePort(), TlsSiloFixture.FreePort(), new IPEndPoint(IPAddress.Loopback, fixture.SiloPort), TlsSiloFixture.ServiceId, TlsSiloFixture.ClusterId)
            .Configure<ClusterMembershipOptions>(o => o.MaxJoinAttemptTime = TimeSpan.FromSeconds(3))
            .UseFluteTls(new FluteTlsOptions(certificate, TlsSiloFixture.Password)));
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var failure = await Record.ExceptionAsync(() => host.StartAsync(timeout.Token));
        return (host, failure);
    }

    [Fact]
    public void Peer_checks_accept_the_cluster_and_nobody_else()
    {
        string a = Path.Combine(fixture.Directory, "node-a.pfx"), b = Path.Combine(fixture.Directory, "node-b.pfx");
        string foreign = Path.Combine(fixture.Directory, "foreign-node.pfx");
        TlsSiloFixture.WriteIssuedByCa("flute-test-ca", TlsSiloFixture.Password, a, b);
        TlsSiloFixture.WriteIssuedByCa("other-ca", TlsSiloFixture.Password, foreign);
        using var cluster = Load(fixture.ClusterCertificate);
        using var stranger = Load(fixture.StrangerCertificate);
        using var nodeA = Load(a);
        using var nodeB = Load(b);
        using var foreignNode = Load(foreign);

        var same = FluteTls.PeerValidator(new FluteTlsOptions(fixture.ClusterCertificate, TlsSiloFixture.Password), cluster);
        var chained = FluteTls.PeerValidator(new FluteTlsOptions(a, TlsSiloFixture.Password) { PeerCheck = FluteTlsPeerCheck.ChainToRoot }, nodeA);
        var selfSignedRoot = FluteTls.PeerValidator(new FluteTlsOptions(fixture.ClusterCertificate, TlsSiloFixture.Password) { PeerCheck = FluteTlsPeerCheck.ChainToRoot }, cluster);

        // The platform's verdict on a self-signed peer is "untrusted root", which the checks ignore by design.
        const SslPolicyErrors errors = SslPolicyErrors.RemoteCertificateChainErrors;
        Assert.True(same(cluster, null, errors));
        Assert.False(same(stranger, null, errors));
        Assert.False(same(nodeA, null, errors));
        Assert.True(chained(nodeB, null, errors));
        Assert.True(chained(nodeA, null, errors));
        Assert.False(chained(foreignNode, null, errors));
        Assert.False(chained(stranger, null, errors));
        Assert.True(selfSignedRoot(cluster, null, errors));
        Assert.False(selfSignedRoot(stranger, null, errors));
    }

    [Fact]
    public async Task Nodes_with_their_own_certificates_from_one_CA_connect_with_ChainToRoot()
    {
        string siloFile = Path.Combine(fixture.Directory, "silo-1.pfx"), clientFile = Path.Combine(fixture.Directory, "client-1.pfx");
        TlsSiloFixture.WriteIssuedByCa("flute-chain-ca", TlsSiloFixture.Password, siloFile, clientFile);
        int siloPort = TlsSiloFixture.FreePort(), gatewayPort = TlsSiloFixture.FreePort();
        var siloBuilder = TlsSiloFixture.QuietBuilder();
        siloBuilder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort, serviceId: "flute-chain", clusterId: "flute-chain")
            .UseFluteTls(new FluteTlsOptions(siloFile, TlsSiloFixture.Password) { PeerCheck = FluteTlsPeerCheck.ChainToRoot }));
        using var silo = siloBuilder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await silo.StartAsync(timeout.Token);
        try
        {
            var clientBuilder = TlsSiloFixture.QuietBuilder();
            clientBuilder.UseOrleansClient(c => c
                .UseLocalhostClustering(gatewayPort, "flute-chain", "flute-chain")
                .UseFluteTls(new FluteTlsOptions(clientFile, TlsSiloFixture.Password) { PeerCheck = FluteTlsPeerCheck.ChainToRoot }));
            using var client = clientBuilder.Build();
            await client.StartAsync(timeout.Token);

            string reply = await client.Services.GetRequiredService<IClusterClient>().GetGrain<ITlsEchoGrain>(2).EchoAsync("chained").WaitAsync(timeout.Token);

            Assert.Equal("chained", reply);
            await client.StopAsync(timeout.Token);
        }
        finally
        {
            await silo.StopAsync(timeout.Token);
        }
    }

    [Fact]
    public void ChainToRoot_needs_a_root_in_the_file()
    {
        string leafOnly = Path.Combine(fixture.Directory, "leaf-only.pfx");
        string bundle = Path.Combine(fixture.Directory, "bundle.pfx");
        TlsSiloFixture.WriteIssuedByCa("flute-test-ca", TlsSiloFixture.Password, bundle);
        using (var node = Load(bundle))
            File.WriteAllBytes(leafOnly, node.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, TlsSiloFixture.Password));
        var options = new FluteTlsOptions(leafOnly, TlsSiloFixture.Password) { PeerCheck = FluteTlsPeerCheck.ChainToRoot };

        var e = Assert.Throws<ArgumentException>(() => TlsSiloFixture.QuietBuilder().UseOrleans(s => s.UseFluteTls(options)));

        Assert.StartsWith($"TLS certificate {leafOnly}: holds no self-signed root certificate", e.Message);
    }

    [Fact]
    public void Wrong_password_names_the_file()
    {
        var e = Assert.Throws<ArgumentException>(() => FluteTls.Load(new FluteTlsOptions(fixture.ClusterCertificate, "not-the-password")));

        Assert.Contains(fixture.ClusterCertificate, e.Message);
        Assert.Contains("wrong password", e.Message);
        Assert.DoesNotContain("not-the-password", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        string missing = Path.Combine(fixture.Directory, "absent.pfx");

        var silo = Assert.Throws<ArgumentException>(() => TlsSiloFixture.QuietBuilder().UseOrleans(s => s.UseFluteTls(new FluteTlsOptions(missing))));
        var client = Assert.Throws<ArgumentException>(() => TlsSiloFixture.QuietBuilder().UseOrleansClient(c => c.UseFluteTls(new FluteTlsOptions(missing))));

        Assert.Equal($"TLS certificate {missing}: file not found", silo.Message);
        Assert.Equal(silo.Message, client.Message);
    }

    [Fact]
    public void Certificate_that_cannot_be_a_TLS_client_is_rejected_when_loaded()
    {
        string serverOnly = Path.Combine(fixture.Directory, "server-only.pfx");
        TlsSiloFixture.WriteSelfSigned(serverOnly, "server-only", TlsSiloFixture.Password, clientAuth: false);

        var e = Assert.Throws<ArgumentException>(() => FluteTls.Load(new FluteTlsOptions(serverOnly, TlsSiloFixture.Password)));

        Assert.Equal($"TLS certificate {serverOnly}: the certificate has an extended key usage without clientAuth, which every node needs", e.Message);
    }

    [Fact]
    public void Password_is_not_printed()
    {
        var options = new FluteTlsOptions("cluster.pfx", "s3cret");

        Assert.DoesNotContain("s3cret", options.ToString());
    }

    private static X509Certificate2 Load(string file) => FluteTls.Load(new FluteTlsOptions(file, TlsSiloFixture.Password));

    private async Task<T> ConnectAsync<T>(Func<IClusterClient, Task<T>> call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var builder = TlsSiloFixture.QuietBuilder();
        builder.UseOrleansClient(c => c
            .UseLocalhostClustering(fixture.GatewayPort, TlsSiloFixture.ServiceId, TlsSiloFixture.ClusterId)
            .UseFluteTls(new FluteTlsOptions(fixture.ClusterCertificate, TlsSiloFixture.Password)));
        using var host = builder.Build();
        await host.StartAsync(timeout.Token);
        try
        {
            return await call(host.Services.GetRequiredService<IClusterClient>()).WaitAsync(timeout.Token);
        }
        finally
        {
            await host.StopAsync(timeout.Token);
        }
    }

    /// <summary>Starts a client against the TLS silo and makes one grain call, all within <paramref name="bound"/>.</summary>
    private async Task<string> ConnectAndEchoAsync(Action<IClientBuilder> tls, TimeSpan bound, ILoggerProvider? log = null)
    {
        using var timeout = new CancellationTokenSource(bound);
        var builder = TlsSiloFixture.QuietBuilder();
        if (log is not null) builder.Logging.AddProvider(log).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(c =>
        {
            c.UseLocalhostClustering(fixture.GatewayPort, TlsSiloFixture.ServiceId, TlsSiloFixture.ClusterId);
            c.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromSeconds(2));
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(3));
            tls(c);
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync(timeout.Token);
            var client = host.Services.GetRequiredService<IClusterClient>();
            return await client.GetGrain<ITlsEchoGrain>(1).EchoAsync("hello over tls").WaitAsync(timeout.Token);
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token);
        }
    }

    /// <summary>
    /// The client must not get through, must not hang, and its gateway connections must be seen to fail.
    /// Orleans 10's client never gives up on its own: a refused gateway is marked dead and start-up waits
    /// for a live one, so the bound comes from the cancellation token, and the log shows why.
    /// </summary>
    private async Task<ConnectionLog> RefusedAsync(Action<IClientBuilder> tls)
    {
        var log = new ConnectionLog();
        var clock = Stopwatch.StartNew();

        var attempt = ConnectAndEchoAsync(tls, RefusalBound, log);
        bool ended = await Task.WhenAny(attempt, Task.Delay(RefusalBound + TimeSpan.FromSeconds(10))) == attempt;
        var failure = ended ? await Record.ExceptionAsync(() => attempt) : null;

        Assert.True(ended, $"the client neither failed nor stopped within {RefusalBound.TotalSeconds + 10} s");
        Assert.NotNull(failure);
        Assert.NotEmpty(log.FailedGatewayConnections);
        output.WriteLine($"ended after {clock.ElapsedMilliseconds} ms with {failure.GetType().Name}; {log.FailedGatewayConnections.Count} failed gateway connection(s)");
        foreach (var line in log.Warnings.Distinct().Take(6)) output.WriteLine($"  {line}");
        return log;
    }

    private static async Task<SslProtocols> HandshakeAsync(int port, X509Certificate2 certificate, bool readAfter = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = [certificate],
        }, timeout.Token);
        if (readAfter)
        {
            // A rejected peer sees an alert or a closed stream; an accepted one would wait for Orleans' preamble.
            var buffer = new byte[1];
            int read = await tls.ReadAsync(buffer, timeout.Token);
            if (read == 0) throw new EndOfStreamException("the silo closed the connection");
        }
        return tls.SslProtocol;
    }
}

/// <summary>Keeps the warnings of a client, to show why its connections failed.</summary>
public sealed class ConnectionLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, Exception? Exception, string Message)> _entries = new();

    public List<string> Warnings => [.. _entries.Select(e => $"{e.Category}: {e.Message} [{e.Exception?.GetType().Name}: {e.Exception?.Message}]")];

    public List<Exception> Exceptions => [.. _entries.Where(e => e.Exception is not null).Select(e => e.Exception!)];

    /// <summary>Failed attempts to open a gateway connection, as Orleans' connection manager reports them.</summary>
    public List<Exception> FailedGatewayConnections =>
        [.. _entries.Where(e => e.Category == "Orleans.Runtime.Messaging.ConnectionManager" && e.Exception is not null).Select(e => e.Exception!)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(ConnectionLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log._entries.Enqueue((category, exception, formatter(state, exception)));
        }
    }
}
