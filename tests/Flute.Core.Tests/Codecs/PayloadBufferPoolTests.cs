using Flute.Core.Codecs;

namespace Flute.Core.Tests.Codecs;

public sealed class PayloadBufferPoolTests
{
    [Fact]
    public void Rent_ReturnsExactLengthsAndReusesReturnedBuffers()
    {
        // Arrange
        var pool = new PayloadBufferPool();
        byte[] first = pool.Rent(1000);

        // Act
        pool.Return(first);
        byte[] other = pool.Rent(999);
        byte[] again = pool.Rent(1000);

        // Assert
        Assert.Equal(1000, first.Length);
        Assert.Equal(999, other.Length);
        Assert.Same(first, again);
        Assert.Equal(0, pool.RetainedCount);
    }

    [Fact]
    public void Return_KeepsAtMostTheBoundedCountAndBytes()
    {
        // Arrange
        var byCount = new PayloadBufferPool(maxRetained: 2);
        var byBytes = new PayloadBufferPool(maxRetained: 10, maxRetainedBytes: 250);

        // Act
        for (int i = 0; i < 3; i++)
        {
            byCount.Return(new byte[10]);
            byBytes.Return(new byte[100]);
        }

        // Assert
        Assert.Equal(2, byCount.RetainedCount);
        Assert.Equal(20, byCount.RetainedBytes);
        Assert.Equal(2, byBytes.RetainedCount);
        Assert.Equal(200, byBytes.RetainedBytes);
    }

    [Fact]
    public void RentAndReturn_FromManyThreadsNeverHandTheSameBufferTwice()
    {
        // Arrange
        var pool = new PayloadBufferPool(maxRetained: 8);
        int conflicts = 0;

        // Act: each renter stamps its buffer and checks nobody else wrote to it before returning it.
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            byte[] buffer = pool.Rent(64);
            byte stamp = (byte)i;
            Array.Fill(buffer, stamp);
            Thread.SpinWait(20);
            if (buffer.Any(b => b != stamp))
            {
                Interlocked.Increment(ref conflicts);
            }
            pool.Return(buffer);
        });

        // Assert
        Assert.Equal(0, conflicts);
        Assert.InRange(pool.RetainedCount, 1, 8);
    }
}
