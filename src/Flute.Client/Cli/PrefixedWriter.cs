using System.Text;

namespace Flute.Client.Cli;

/// <summary>
/// Writes whole lines to <paramref name="inner"/>, each starting with <paramref name="prefix"/>, under one
/// lock shared by every writer of the same output, so concurrent runs of a sweep never mix their lines.
/// </summary>
internal sealed class PrefixedWriter(TextWriter inner, string prefix, Lock gate) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            lock (gate) inner.WriteLine(prefix + _line.ToString().TrimEnd('\r'));
            _line.Clear();
        }
        else
        {
            _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (char c in value) Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush()
    {
        lock (gate) inner.Flush();
    }
}
