using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Flute.Core.Heterogeneity;

/// <summary>
/// A CSV file with one line per client, sorted by client id, read lazily: opening it checks every line
/// once (a bad line is an error naming the file and the line) and keeps the byte offset of every
/// <see cref="BlockLines"/>-th line; a lookup reads one block. Memory is O(lines / <see cref="BlockLines"/>),
/// not O(lines): a trace of 10^6 clients keeps 62,500 offsets and ids (1 MB).
/// </summary>
/// <remarks>
/// Lines starting with <c>#</c> and blank lines are skipped; a first line whose first field is not a
/// number is a header. Ids must be strictly increasing (so a client has one line, found by binary search).
/// </remarks>
public sealed class ClientCsvFile : IDisposable
{
    /// <summary>Lines per indexed block: a lookup parses at most this many lines.</summary>
    public const int BlockLines = 16;

    private readonly SafeFileHandle _handle;
    private readonly long _length;
    private readonly List<long> _blockFirstIds = [];
    private readonly List<long> _blockOffsets = [];

    /// <summary>The file's path, as given.</summary>
    public string Path { get; }

    /// <summary>Client lines in the file.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Opens and checks <paramref name="path"/>: every line must be a client id followed by fields that
    /// <paramref name="checkFields"/> accepts (it returns null, or what is wrong).
    /// </summary>
    /// <exception cref="FormatException">A line is malformed or out of order; the message names the file and line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public ClientCsvFile(string path, Func<string[], string?> checkFields)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            _length = RandomAccess.GetLength(_handle);
            Index(checkFields);
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>The fields after the id on the line of <paramref name="clientId"/>, or null when the file does not list it.</summary>
    public string[]? Find(long clientId)
    {
        int block = _blockFirstIds.BinarySearch(clientId);
        if (block < 0) block = ~block - 1;
        if (block < 0) return null;
        long start = _blockOffsets[block];
        int length = (int)((block + 1 < _blockOffsets.Count ? _blockOffsets[block + 1] : _length) - start);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            RandomAccess.Read(_handle, bytes.AsSpan(0, length), start);
            // Only the ids are parsed (as bytes, no strings) until the line is found: a lookup is on the
            // hot path of every round (a cohort of 1,000 makes thousands with an availability trace).
            ReadOnlySpan<byte> rest = bytes.AsSpan(0, length);
            while (!rest.IsEmpty)
            {
                int newline = rest.IndexOf((byte)'\n');
                ReadOnlySpan<byte> line = newline < 0 ? rest : rest[..newline];
                rest = newline < 0 ? [] : rest[(newline + 1)..];
                if (!TryLeadingId(line, out long id, out int comma)) continue;
                if (id == clientId) return Encoding.UTF8.GetString(line[(comma + 1)..]).Trim().Split(',');
                if (id > clientId) return null;
            }
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();

    private void Index(Func<string[], string?> checkFields)
    {
        // A stream of its own: disposing a stream built on _handle would close the handle lookups read through.
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long offset = 0, previous = long.MinValue;
        int lineNumber = 0;
        bool headerAllowed = true;
        foreach ((string line, int bytes) in Lines(stream))
        {
            lineNumber++;
            long lineStart = offset;
            offset += bytes;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            string[] fields = trimmed.Split(',');
            if (!long.TryParse(fields[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long id))
            {
                if (headerAllowed)
                {
                    headerAllowed = false;
                    continue;
                }
                throw Bad(lineNumber, $"the client id '{fields[0].Trim()}' is not an integer");
            }
            headerAllowed = false;
            if (id < 0) throw Bad(lineNumber, $"the client id {id} is negative");
            if (id <= previous) throw Bad(lineNumber, $"client id {id} after {previous}: lines must be sorted by client id, one line per client");
            if (checkFields(fields[1..]) is string problem) throw Bad(lineNumber, problem);
            if (Count % BlockLines == 0)
            {
                _blockFirstIds.Add(id);
                _blockOffsets.Add(lineStart);
            }
            previous = id;
            Count++;
        }
    }

    private FormatException Bad(int line, string problem) => new($"{Path}:{line}: {problem}");

    /// <summary>The id before the first comma of a data line (blank lines, comments and a header give false).</summary>
    private static bool TryLeadingId(ReadOnlySpan<byte> line, out long id, out int comma)
    {
        id = 0;
        comma = line.IndexOf((byte)',');
        ReadOnlySpan<byte> field = (comma < 0 ? line : line[..comma]).Trim(" \t\r"u8);
        return comma >= 0 && Utf8Parser.TryParse(field, out id, out int consumed) && consumed == field.Length;
    }

    /// <summary>The file's lines with their length in bytes including the line break, so offsets stay exact for UTF-8.</summary>
    private static IEnumerable<(string Line, int Bytes)> Lines(Stream stream)
    {
        var chunk = new byte[1 << 16];
        var pending = new MemoryStream();
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < read; i++)
            {
                if (chunk[i] != (byte)'\n') continue;
                pending.Write(chunk, start, i + 1 - start);
                yield return (Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), (int)pending.Length);
                pending.SetLength(0);
                start = i + 1;
            }
            pending.Write(chunk, start, read - start);
        }
        if (pending.Length > 0) yield return (Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), (int)pending.Length);
    }
}
