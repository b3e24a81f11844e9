using System.Text.Json;

namespace Flute.Core.Data.Import;

/// <summary>
/// Reads JSON tokens from a stream of any size with <see cref="Utf8JsonReader"/> over a refilled
/// buffer (1 MiB, grown only for a single token longer than that), carrying the reader's state
/// between refills, so memory does not depend on the file's size. Invalid JSON becomes an
/// <see cref="InvalidDataException"/> naming the file and the line.
/// </summary>
public sealed class JsonTokenStream : IDisposable
{
    private readonly Stream _stream;
    private readonly string _source;
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private bool _final;
    private JsonReaderState _state;

    /// <summary>Reads <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public JsonTokenStream(Stream stream, string source)
    {
        _stream = stream;
        _source = source;
        _state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
    }

    /// <summary>The current token's type.</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>The current string or property name (null for other tokens).</summary>
    public string? Text { get; private set; }

    /// <summary>The current number when it is an integer that fits an int32.</summary>
    public int? Integer { get; private set; }

    /// <summary>Advances to the next token; false at the end of the stream.</summary>
    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (TryRead(ref reader))
            {
                TokenType = reader.TokenType;
                Text = TokenType is JsonTokenType.String or JsonTokenType.PropertyName ? reader.GetString() : null;
                Integer = TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) ? value : null;
                Commit(ref reader);
                return true;
            }
            if (_final) return false;
            Fill();
        }
    }

    /// <summary>
    /// After a StartArray token: reads a flat array of numbers to its EndArray, appending them as
    /// float32 to <paramref name="values"/> (grown as needed) from <paramref name="count"/>; returns
    /// the numbers read, −1 if the array holds anything but numbers (<see cref="TokenType"/> then
    /// says what), or −2 for a number beyond float32 (<see cref="Text"/> then holds it). One reader serves a whole buffer, so a long row costs no per-number overhead.
    /// </summary>
    public int ReadNumbers(ref float[] values, ref int count)
    {
        int first = count;
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            while (TryRead(ref reader))
            {
                if (reader.TokenType == JsonTokenType.Number)
                {
                    if (count == values.Length) Array.Resize(ref values, Math.Max(16, values.Length * 2));
                    // TryGetSingle fails only on overflow: such a value is no feature.
                    if (!reader.TryGetSingle(out values[count]) || !float.IsFinite(values[count]))
                    {
                        Text = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                        Commit(ref reader);
                        return -2;
                    }
                    count++;
                    continue;
                }
                TokenType = reader.TokenType;
                Commit(ref reader);
                return TokenType == JsonTokenType.EndArray ? count - first : -1;
            }
            Commit(ref reader);
            if (_final) throw new InvalidDataException($"{_source}: invalid JSON: the file ends inside an array");
            Fill();
        }
    }

    /// <summary>Skips the value that starts at the current token (an object or array to its end).</summary>
    public void SkipValue()
    {
        if (TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
        int depth = 1;
        while (depth > 0 && Read())
        {
            if (TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) depth++;
            else if (TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) depth--;
        }
    }

    public void Dispose() => _stream.Dispose();

    private bool TryRead(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_source}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line: {FirstSentence(e.Message)}", e);
        }
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    private void Commit(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    /// <summary>Moves the unread bytes to the front (growing the buffer if they fill it) and reads more.</summary>
    private void Fill()
    {
        int pending = _end - _start;
        if (pending == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        else if (_start > 0) Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        _start = 0;
        _end = pending;
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _final = true;
        _end += read;
    }
}
