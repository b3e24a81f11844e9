using System.Net;
using System.Net.Sockets;
using Flute.Client.Cli;

namespace Flute.Client.Dashboard;

/// <summary>Where the live dashboard listens: an address (loopback unless asked otherwise) and a TCP port (0: any free one).</summary>
public sealed record DashboardEndpoint(IPAddress Address, int Port);

/// <summary>
/// The dashboard options of <c>run</c>, <c>resume</c> and <c>sweep</c>: <c>--dashboard PORT</c> serves the
/// live page on 127.0.0.1:PORT (0 picks a free port), <c>--dashboard-address IP</c> listens elsewhere
/// (e.g. 0.0.0.0 for every interface).
/// </summary>
public sealed class DashboardArguments
{
    private string? _port;
    private string? _address;

    /// <summary>Consumes a dashboard option at <c>args[i]</c>; false if <c>args[i]</c> is not one.</summary>
    public bool TryParse(ReadOnlySpan<string> args, ref int i)
    {
        switch (args[i])
        {
            case "--dashboard": _port = OptionValues.Next(args, ref i); return true;
            case "--dashboard-address": _address = OptionValues.Next(args, ref i); return true;
            default: return false;
        }
    }

    /// <summary>
    /// The endpoint to serve on, or null without <c>--dashboard</c>. The port is tried once here, so a
    /// busy port is bad input (exit 2) before anything runs, not a failure after the silo started.
    /// </summary>
    public DashboardEndpoint? Resolve()
    {
        if (_port is null)
        {
            return _address is null ? null : throw new UsageException("--dashboard-address needs --dashboard PORT");
        }
        if (!int.TryParse(_port, out int port) || port is < 0 or > 65535)
            throw new UsageException($"--dashboard: expected a TCP port from 0 to 65535 (0: any free port), found '{_port}'");
        IPAddress address = IPAddress.Loopback;
        if (_address is not null && !IPAddress.TryParse(_address, out address!))
            throw new UsageException($"--dashboard-address: expected an IP address (e.g. 127.0.0.1 or 0.0.0.0), found '{_address}'");
        if (port != 0) CheckFree(address, port);
        return new DashboardEndpoint(address, port);
    }

    private static void CheckFree(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new UsageException($"--dashboard: cannot listen on {new IPEndPoint(address, port)}: {e.Message}");
        }
    }
}
