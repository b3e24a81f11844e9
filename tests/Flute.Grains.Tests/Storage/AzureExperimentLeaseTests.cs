using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Flute.Core.Persistence;
using Flute.Grains.Storage.Azure;

namespace Flute.Grains.Tests.Storage;

/// <summary>
/// Leases against Azurite. Azure's shortest lease is 15 s, so the waits here are real: about 40 s in
/// all (a refused acquire waits 20 s, an expiry ~15 s, a lost lease ~5 s).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureExperimentLeaseTests
{
    private static readonly TimeSpan s_duration = AzureExperimentLease.MinDuration;
    private readonly BlobContainerClient _container;

    public AzureExperimentLeaseTests(AzuriteFixture azurite)
    {
        _container = azurite.NewContainer();
    }

    [Fact]
    public async Task Acquire_CreatesTheLockBlobAndRecordsTheHolder_AndDisposeReleasesIt()
    {
        // Act
        AzureExperimentLease lease = await AzureExperimentLease.AcquireAsync(_container, "e");
        BlobProperties held = await PropertiesAsync("e");
        await lease.DisposeAsync();
        BlobProperties released = await PropertiesAsync("e");

        // Assert
        Assert.Equal("e", lease.ExperimentId);
        Assert.Equal(_container.GetBlobClient("experiments/e/lock").Uri.ToString(), lease.Location);
        Assert.Equal(LeaseState.Leased, held.LeaseState);
        Assert.Equal(AzureExperimentLease.CurrentHostId, held.Metadata[AzureExperimentLease.HostMetadata]);
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), held.Metadata[AzureExperimentLease.PidMetadata]);
        Assert.Equal(LeaseState.Available, released.LeaseState);
        Assert.False(lease.Lost.IsCompleted);
    }

    [Fact]
    public async Task ASecondAcquire_IsRefusedAfterWaiting_WhileTheFirstKeepsRenewing()
    {
        // Arrange
        await using AzureExperimentLease first = await AzureExperimentLease.AcquireAsync(_container, "e", s_duration);
        var lines = new List<string>();
        var clock = Stopwatch.StartNew();

        // Act: the first holder is alive (this process), so the second waits out duration + slack.
        var e = await Assert.ThrowsAsync<ExperimentLockedException>(
            () => AzureExperimentLease.AcquireAsync(_container, "e", s_duration, lines.Add));
        TimeSpan waited = clock.Elapsed;

        // Assert: still held after more than one lease duration, so the first renewed it.
        Assert.InRange(waited, s_duration, s_duration + AzureExperimentLease.WaitSlack + TimeSpan.FromSeconds(5));
        Assert.Equal("e", e.ExperimentId);
        Assert.Equal(first.Location, e.LockPath);
        Assert.Contains(first.Location, e.Message);
        string line = Assert.Single(lines);
        Assert.Matches(@"^waiting up to (19|20) s for the lease on experiment 'e' held by ", line);
        Assert.Contains($"{AzureExperimentLease.CurrentHostId}/{Environment.ProcessId}", line);
        Assert.False(first.Lost.IsCompleted);
        Assert.Equal(LeaseState.Leased, (await PropertiesAsync("e")).LeaseState);

        // And once released, the next acquire is immediate.
        await first.DisposeAsync();
        clock.Restart();
        await using AzureExperimentLease next = await AzureExperimentLease.AcquireAsync(_container, "e", s_duration);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ALeaseHeldByADeadProcessOnThisHost_IsBrokenAtOnce()
    {
        // Arrange: a 60 s lease whose metadata names this host (FLUTE_HOST_ID) and a pid that has exited,
        // as a SIGKILLed holder leaves it.
        string hostId = $"flute-test-host-{Guid.NewGuid():N}";
        string? before = Environment.GetEnvironmentVariable(AzureExperimentLease.HostIdVariable);
        Environment.SetEnvironmentVariable(AzureExperimentLease.HostIdVariable, hostId);
        try
        {
            int deadPid = ExitedProcessId();
            await HoldAsRawLeaseAsync("e", TimeSpan.FromSeconds(60), hostId, deadPid);
            var lines = new List<string>();
            var clock = Stopwatch.StartNew();

            // Act
            await using AzureExperimentLease lease = await AzureExperimentLease.AcquireAsync(_container, "e", s_duration, lines.Add);

            // Assert
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
            Assert.Empty(lines);
            BlobProperties properties = await PropertiesAsync("e");
            Assert.Equal(hostId, properties.Metadata[AzureExperimentLease.HostMetadata]);
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), properties.Metadata[AzureExperimentLease.PidMetadata]);
            Assert.Equal(LeaseState.Leased, properties.LeaseState);
        }
        finally
        {
            Environment.SetEnvironmentVariable(AzureExperimentLease.HostIdVariable, before);
        }
    }

    [Fact]
    public async Task ALeaseHeldOnAnotherHost_IsWaitedForUntilItExpires()
    {
        // Arrange: a holder on another machine that stopped renewing (its pid means nothing here,
        // even one that is dead on this machine).
        int pid = ExitedProcessId();
        var clock = Stopwatch.StartNew();
        await HoldAsRawLeaseAsync("e", s_duration, "another-host", pid);
        var lines = new List<string>();

        // Act
        await using AzureExperimentLease lease = await AzureExperimentLease.AcquireAsync(_container, "e", s_duration, lines.Add);

        // Assert: acquired only once the abandoned lease expired.
        Assert.InRange(clock.Elapsed, s_duration - TimeSpan.FromSeconds(1), s_duration + AzureExperimentLease.WaitSlack);
        string line = Assert.Single(lines);
        Assert.Contains($"held by another-host/{pid}", line);
        Assert.Equal(AzureExperimentLease.CurrentHostId, (await PropertiesAsync("e")).Metadata[AzureExperimentLease.HostMetadata]);
    }

    [Fact]
    public async Task ALeaseBrokenByAnotherParty_CompletesLost()
    {
        // Arrange
        await using AzureExperimentLease lease = await AzureExperimentLease.AcquireAsync(_container, "e", s_duration);

        // Act: someone breaks it; the next renewal (a third of the duration later) finds out.
        await _container.GetBlobClient("experiments/e/lock").GetBlobLeaseClient().BreakAsync(TimeSpan.Zero);
        Task finished = await Task.WhenAny(lease.Lost, Task.Delay(s_duration));

        // Assert
        Assert.Same(lease.Lost, finished);
        Assert.Contains("the lease on experiment 'e'", await lease.Lost);
        Assert.Contains("was lost", await lease.Lost);
    }

    [Theory]
    [InlineData(14)]
    [InlineData(61)]
    public async Task ADurationAzureDoesNotGrant_IsRejected(int seconds)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => AzureExperimentLease.AcquireAsync(_container, "e", TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void IsAlive_TellsARunningProcessFromAnExitedOne()
    {
        Assert.True(AzureExperimentLease.IsAlive(Environment.ProcessId));
        Assert.False(AzureExperimentLease.IsAlive(ExitedProcessId()));
    }

    private async Task<BlobProperties> PropertiesAsync(string experimentId) =>
        (await _container.GetBlobClient(CheckpointKeys.LockKey(experimentId)).GetPropertiesAsync()).Value;

    // A holder that took the lease and then stopped renewing (crashed), written straight through the SDK.
    private async Task HoldAsRawLeaseAsync(string experimentId, TimeSpan duration, string host, int pid)
    {
        await _container.CreateIfNotExistsAsync();
        BlobClient blob = _container.GetBlobClient(CheckpointKeys.LockKey(experimentId));
        await blob.UploadAsync(BinaryData.Empty);
        BlobLeaseClient lease = blob.GetBlobLeaseClient();
        await lease.AcquireAsync(duration);
        var metadata = new Dictionary<string, string>
        {
            [AzureExperimentLease.HostMetadata] = host,
            [AzureExperimentLease.PidMetadata] = pid.ToString(CultureInfo.InvariantCulture),
        };
        await blob.SetMetadataAsync(metadata, new BlobRequestConditions { LeaseId = lease.LeaseId });
    }

    // The pid of a child process that has exited and been reaped.
    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
