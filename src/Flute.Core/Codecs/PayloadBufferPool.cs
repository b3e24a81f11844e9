namespace Flute.Core.Codecs;

/// <summary>
/// A thread-safe pool of payload buffers of exact lengths (a payload's size is fixed per experiment and
/// codec, see <see cref="PseudoGradientPayload.SizeOf"/>), so steady-state rounds allocate no
/// model-sized arrays. Retention is bounded by count and by bytes; beyond either bound a returned buffer
/// is left to the garbage collector. Unlike <c>ArrayPool</c>, a rented array has exactly the asked length.
/// </summary>
public sealed class PayloadBufferPool
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Stack<byte[]>> _free = [];
    private int _retainedCount;
    private long _retainedBytes;

    /// <summary>A process-wide pool with the default bounds.</summary>
    public static PayloadBufferPool Shared { get; } = new();

    /// <summary>Creates a pool retaining at most <paramref name="maxRetained"/> buffers and <paramref name="maxRetainedBytes"/> bytes.</summary>
    public PayloadBufferPool(int maxRetained = 64, long maxRetainedBytes = 256L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        MaxRetained = maxRetained;
        MaxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>The most buffers kept for reuse.</summary>
    public int MaxRetained { get; }

    /// <summary>The most bytes kept for reuse.</summary>
    public long MaxRetainedBytes { get; }

    /// <summary>Buffers currently kept for reuse.</summary>
    public int RetainedCount
    {
        get
        {
            lock (_gate)
            {
                return _retainedCount;
            }
        }
    }

    /// <summary>Bytes currently kept for reuse.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _retainedBytes;
            }
        }
    }

    /// <summary>Returns a buffer of exactly <paramref name="length"/> bytes; its contents are unspecified.</summary>
    public byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return [];
        }
        lock (_gate)
        {
            if (_free.TryGetValue(length, out Stack<byte[]>? stack))
            {
                byte[] buffer = stack.Pop();
                if (stack.Count == 0)
                {
                    _free.Remove(length);
                }
                _retainedCount--;
                _retainedBytes -= length;
                return buffer;
            }
        }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>
    /// Gives a buffer back for reuse. The caller must not touch it afterwards, nor return it twice.
    /// </summary>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length == 0)
        {
            return;
        }
        lock (_gate)
        {
            if (_retainedCount >= MaxRetained || _retainedBytes + buffer.Length > MaxRetainedBytes)
            {
                return;
            }
            if (!_free.TryGetValue(buffer.Length, out Stack<byte[]>? stack))
            {
                stack = new Stack<byte[]>();
                _free.Add(buffer.Length, stack);
            }
            stack.Push(buffer);
            _retainedCount++;
            _retainedBytes += buffer.Length;
        }
    }
}
