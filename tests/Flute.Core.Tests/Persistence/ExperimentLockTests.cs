using System.Diagnostics;
using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class ExperimentLockTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Acquire_CreatesTheLockFileUnderTheExperiment()
    {
        // Act
        using ExperimentLock held = ExperimentLock.Acquire(_dir.Path, "exp-1");

        // Assert
        Assert.Equal(Path.Combine(_dir.Path, "experiments", "exp-1", "lock"), held.Path);
        Assert.True(File.Exists(held.Path));
    }

    [Fact]
    public void ASecondAcquire_IsRefusedWhileTheFirstIsHeld()
    {
        // Arrange
        using ExperimentLock first = ExperimentLock.Acquire(_dir.Path, "exp-1");

        // Act
        var e = Assert.Throws<ExperimentLockedException>(() => ExperimentLock.Acquire(_dir.Path, "exp-1"));

        // Assert
        Assert.Equal($"experiment 'exp-1' is in use by another process (lock {first.Path})", e.Message);
        Assert.Equal("exp-1", e.ExperimentId);
    }

    [Fact]
    public void Acquire_SucceedsAgainAfterDispose()
    {
        // Arrange
        ExperimentLock first = ExperimentLock.Acquire(_dir.Path, "exp-1");
        first.Dispose();

        // Act
        using ExperimentLock second = ExperimentLock.Acquire(_dir.Path, "exp-1");

        // Assert
        Assert.Equal(first.Path, second.Path);
    }

    [Fact]
    public void DifferentExperiments_DoNotExcludeEachOther()
    {
        // Act
        using ExperimentLock a = ExperimentLock.Acquire(_dir.Path, "a");
        using ExperimentLock b = ExperimentLock.Acquire(_dir.Path, "b");

        // Assert
        Assert.NotEqual(a.Path, b.Path);
    }

    [Fact]
    public void TheLock_IsSeenByAnotherProcess()
    {
        // Arrange: util-linux flock(1) takes the same flock(2) lock .NET takes for FileShare.None.
        using ExperimentLock held = ExperimentLock.Acquire(_dir.Path, "exp-1");

        // Act
        int whileHeld = RunFlock("-n", held.Path, "true");
        held.Dispose();
        int afterRelease = RunFlock("-n", held.Path, "true");

        // Assert
        Assert.Equal(1, whileHeld);
        Assert.Equal(0, afterRelease);
    }

    [Fact]
    public void ALockHeldByAKilledProcess_IsReleasedByTheOs()
    {
        // Arrange: another process holds the lock, as a running silo would. It waits for the lock rather
        // than giving up (no -n), so a probe that holds it for an instant cannot make it exit; -o keeps the
        // lock in flock itself, not in its child, so waiting for flock to exit is waiting for the release.
        string path = Path.Combine(_dir.Path, "experiments", "exp-1", "lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using Process holder = Process.Start(new ProcessStartInfo("flock", ["-o", path, "sleep", "60"]))!;
        WaitUntil(() => !holder.HasExited && RunFlock("-n", path, "true") == 1);

        // Act
        Assert.Throws<ExperimentLockedException>(() => ExperimentLock.Acquire(_dir.Path, "exp-1"));
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();

        // Assert
        using ExperimentLock acquired = ExperimentLock.Acquire(_dir.Path, "exp-1");
        Assert.Equal(path, acquired.Path);
    }

    [Fact]
    public void Acquire_RejectsAnIdThatIsNotOneSegment()
    {
        Assert.Throws<ArgumentException>(() => ExperimentLock.Acquire(_dir.Path, "../escape"));
    }

    private static int RunFlock(params string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo("flock", arguments))!;
        process.WaitForExit();
        return process.ExitCode;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the holder process never took the lock");
            Thread.Sleep(20);
        }
    }
}
