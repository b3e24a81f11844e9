using System.Runtime.InteropServices;

namespace Flute.Client.Cli;

/// <summary>
/// Ctrl+C and SIGTERM ask for a pause at the next round boundary (state committed, exit 0); a
/// second Ctrl+C ends the process at once — which is a crash, and resumable like any other.
/// </summary>
internal sealed class PauseSignals : IDisposable
{
    private readonly Action _requestPause;
    private readonly string _message;
    private readonly PosixSignalRegistration _sigterm;
    private int _requests;

    /// <param name="requestPause">Called once, on the first Ctrl+C or SIGTERM.</param>
    /// <param name="message">The line printed then, saying what happens next.</param>
    public PauseSignals(Action requestPause, string message)
    {
        _requestPause = requestPause;
        _message = message;
        Console.CancelKeyPress += OnCancel;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Request();
        });
    }

    /// <summary>Whether a pause was asked for.</summary>
    public bool Requested => Volatile.Read(ref _requests) > 0;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (Requested) return; // second Ctrl+C: let it terminate
        e.Cancel = true;
        Request();
    }

    private void Request()
    {
        if (Interlocked.Increment(ref _requests) == 1)
        {
            Console.WriteLine(_message);
            _requestPause();
        }
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _sigterm.Dispose();
    }
}
