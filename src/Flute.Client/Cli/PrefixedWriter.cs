using System.Text;

namespace Flute.Client.Cli;

/// <summary>
/// A writer that hands on whole lines only (without the newline): what is written is collected until
/// a newline, then passed to <paramref name="emit"/>. The writers below decide where a line goes.
/// </summary>
internal class LineWriter(Action<string> emit) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value != '\n')
        {
            _line.Append(value);
            return;
        }
        emit(_line.ToString().TrimEnd('\r'));
        _line.Clear();
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? "") Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }
}

/// <summary>
/// Writes whole lines to <paramref name="inner"/>, each starting with <paramref name="prefix"/>, under one
/// lock shared by every writer of the same output, so concurrent runs of a sweep never mix their lines.
/// </summary>
internal sealed class PrefixedWriter(TextWriter inner, string prefix, Lock gate) : LineWriter(line =>
{
    lock (gate) inner.WriteLine(prefix + line);
})
{
    public override void Flush()
    {
        lock (gate) inner.Flush();
    }
}
