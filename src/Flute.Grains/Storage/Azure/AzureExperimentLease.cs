using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Flute.Core.Persistence;

namespace Flute.Grains.Storage.Azure;

/// <summary>
/// The exclusive right to run or resume one experiment on Azure Storage: a lease on the blob
/// <c>experiments/&lt;id&gt;/lock</c> (<see cref="CheckpointKeys.LockKey"/>), renewed in the background
/// every third of its duration and released on dispose. The blob's metadata names the holder (host and
/// pid), so a process that finds the lease held by a dead process on its own host breaks it at once;
/// any other holder is waited for until its lease would have expired (a dead holder stops renewing,
/// so its lease lapses within one duration). If renewals fail until the lease can no longer be
/// guaranteed, <see cref="Lost"/> completes and the holder must stop writing.
/// </summary>
public sealed class AzureExperimentLease : IExperimentLock
{
    /// <summary>The default lease duration (Azure's minimum).</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(15);

    /// <summary>The shortest lease Azure grants.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(15);

    /// <summary>The longest finite lease Azure grants.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(60);

    /// <summary>How long past a held lease's duration an acquirer keeps trying before it gives up.</summary>
    public static readonly TimeSpan WaitSlack = TimeSpan.FromSeconds(5);

    /// <summary>Overrides the host name recorded and compared (for tests that fake another machine).</summary>
    public const string HostIdVariable = "FLUTE_HOST_ID";

    /// <summary>The metadata entry naming the holder's host.</summary>
    public const string HostMetadata = "host";

    /// <summary>The metadata entry naming the holder's process id.</summary>
    public const string PidMetadata = "pid";

    private const string SinceMetadata = "since";

    private static readonly TimeSpan s_retryPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_releaseTimeout = TimeSpan.FromSeconds(10);

    private readonly BlobLeaseClient _lease;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _renewing;
    private int _disposed;

    private AzureExperimentLease(string experimentId, Uri location, BlobLeaseClient lease, TimeSpan duration, long confirmedAt)
    {
        ExperimentId = experimentId;
        Uri = location;
        _lease = lease;
        _duration = duration;
        _renewing = Task.Run(() => RenewAsync(confirmedAt));
    }

    /// <inheritdoc />
    public string ExperimentId { get; }

    /// <summary>The lock blob's address (without any SAS query).</summary>
    public Uri Uri { get; }

    /// <inheritdoc />
    public string Location => Uri.ToString();

    /// <summary>The lease id this holder owns.</summary>
    public string LeaseId => _lease.LeaseId;

    /// <inheritdoc />
    public Task<string> Lost => _lost.Task;

    /// <summary>The host name recorded in the lease: <c>FLUTE_HOST_ID</c> if set, else the machine name.</summary>
    public static string CurrentHostId =>
        Environment.GetEnvironmentVariable(HostIdVariable) is { Length: > 0 } id ? id : Environment.MachineName;

    /// <summary>
    /// Acquires the lease of <paramref name="experimentId"/> in <paramref name="container"/> (both the
    /// container and the empty lock blob are created if missing). If another holder has it: a dead
    /// process on this host loses it at once; otherwise this waits up to the lease duration plus
    /// <see cref="WaitSlack"/>, telling <paramref name="progress"/> once, and then gives up.
    /// </summary>
    /// <param name="container">The checkpoint container (<see cref="AzureStorageNames.CheckpointContainer"/>).</param>
    /// <param name="experimentId">The experiment; a valid key segment.</param>
    /// <param name="leaseDuration">15–60 s; default <see cref="DefaultDuration"/>.</param>
    /// <param name="progress">Receives one line if the acquirer has to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ExperimentLockedException">Another live holder kept the lease.</exception>
    /// <exception cref="StorageUnavailableException">The storage could not be reached.</exception>
    public static async Task<AzureExperimentLease> AcquireAsync(
        BlobContainerClient container,
        string experimentId,
        TimeSpan? leaseDuration = null,
        Action<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(container);
        string key = CheckpointKeys.LockKey(experimentId);
        TimeSpan duration = leaseDuration ?? DefaultDuration;
        if (duration < MinDuration || duration > MaxDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), duration,
                $"An Azure blob lease lasts {MinDuration.TotalSeconds:0}–{MaxDuration.TotalSeconds:0} s.");
        }
        BlobClient blob = container.GetBlobClient(key);
        Uri location = AzureStorageClients.Describe(blob.Uri);
        try
        {
            return await AcquireCoreAsync(blob, experimentId, location, duration, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AzureStorageClients.IsUnavailable(e, cancellationToken))
        {
            throw AzureStorageClients.Unavailable(AzureStorageClients.Describe(container.Uri), e);
        }
    }

    /// <summary>Stops renewing and releases the lease (if that fails, the lease lapses within its duration).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        if (!_lost.Task.IsCompleted)
        {
            using var timeout = new CancellationTokenSource(s_releaseTimeout);
            try
            {
                await _lease.ReleaseAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException || AzureStorageClients.IsUnavailable(e))
            {
                // Unreachable or already taken: either way no longer ours, and it lapses by itself.
            }
        }
        _stop.Dispose();
    }

    private static async Task<AzureExperimentLease> AcquireCoreAsync(
        BlobClient blob, string experimentId, Uri location, TimeSpan duration, Action<string>? progress, CancellationToken cancellationToken)
    {
        await EnsureBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        string host = CurrentHostId;
        var metadata = new Dictionary<string, string>
        {
            [HostMetadata] = host,
            [PidMetadata] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            [SinceMetadata] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        long deadline = Stopwatch.GetTimestamp() + (long)((duration + WaitSlack).TotalSeconds * Stopwatch.Frequency);
        bool told = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BlobLeaseClient lease = blob.GetBlobLeaseClient(Guid.NewGuid().ToString());
            long sentAt = Stopwatch.GetTimestamp();
            try
            {
                await lease.AcquireAsync(duration, cancellationToken: cancellationToken).ConfigureAwait(false);
                // Acquired, but not announced: a competitor that read the previous (dead) holder's
                // metadata may still break it, which makes this write fail and the loop compete again.
                await blob.SetMetadataAsync(metadata, new BlobRequestConditions { LeaseId = lease.LeaseId }, cancellationToken).ConfigureAwait(false);
                return new AzureExperimentLease(experimentId, location, lease, duration, sentAt);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && AzureStorageClients.IsStorageAnswer(e))
            {
                // Held by someone else (or broken from under us between acquire and announce).
            }
            catch (RequestFailedException e) when (AzureStorageClients.IsNotFound(e))
            {
                await EnsureBlobAsync(blob, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Holder holder = await ReadHolderAsync(blob, cancellationToken).ConfigureAwait(false);
            if (holder.Leased && holder.Host == host && holder.Pid is int pid && !IsAlive(pid)
                && await TryBreakAsync(lease, holder.ETag, cancellationToken).ConfigureAwait(false))
            {
                continue; // The holder died on this machine (e.g. SIGKILL): its lease is broken, compete now.
            }
            long now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                throw new ExperimentLockedException(experimentId, location.ToString());
            }
            if (holder.Leased && !told)
            {
                told = true;
                progress?.Invoke(
                    $"waiting up to {Math.Ceiling(Seconds(deadline - now)):0} s for the lease on experiment '{experimentId}' held by {holder.Host ?? "?"}/{holder.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"} ({location})");
            }
            // Released or expiring just now: retry soon; held: a live holder keeps renewing, look again each second.
            double pause = holder.Leased ? s_retryPause.TotalSeconds : 0.1;
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(pause, Seconds(deadline - now))), cancellationToken).ConfigureAwait(false);
        }
    }

    private static double Seconds(long stopwatchTicks) => stopwatchTicks / (double)Stopwatch.Frequency;

    private static async Task EnsureBlobAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var createOnly = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await blob.UploadAsync(BinaryData.Empty, createOnly, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && AzureStorageClients.IsStorageAnswer(e))
            {
                return; // It exists (possibly leased): fine.
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound && attempt == 1)
            {
                await blob.GetParentBlobContainerClient().CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Breaks the lease only if the blob's ETag is still the one read with the dead holder's metadata:
    // lease operations keep the ETag, announcing a new holder (SetMetadata) changes it, so a holder
    // that has announced itself is never broken on the strength of stale metadata.
    private static async Task<bool> TryBreakAsync(BlobLeaseClient lease, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await lease.BreakAsync(TimeSpan.Zero, new RequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 && AzureStorageClients.IsStorageAnswer(e))
        {
            return false; // Released, expired or taken over meanwhile: the next attempt tells.
        }
    }

    private static async Task<Holder> ReadHolderAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            properties.Metadata.TryGetValue(HostMetadata, out string? host);
            int? pid = properties.Metadata.TryGetValue(PidMetadata, out string? text)
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
            bool leased = properties.LeaseState == LeaseState.Leased || properties.LeaseState == LeaseState.Breaking;
            return new Holder(leased, host, pid, properties.ETag);
        }
        catch (RequestFailedException e) when (AzureStorageClients.IsNotFound(e))
        {
            return new Holder(false, null, null, default);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> runs on this machine (a zombie counts as dead).</summary>
    internal static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        if (pid <= 0)
        {
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return false;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
        return !IsZombie(pid);
    }

    private static bool IsZombie(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true; // Gone between the checks.
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Renews every third of the duration. A failed renewal is retried each second while the lease is
    // still guaranteed (last confirmed renewal's send time + duration, less a second of margin); past
    // that, or when the service says the lease is gone, Lost completes.
    private async Task RenewAsync(long confirmedAt)
    {
        TimeSpan interval = _duration / 3;
        TimeSpan margin = TimeSpan.FromSeconds(1);
        CancellationToken stop = _stop.Token;
        try
        {
            while (true)
            {
                await Task.Delay(interval, stop).ConfigureAwait(false);
                string? lastError = null;
                while (true)
                {
                    TimeSpan left = _duration - margin - Stopwatch.GetElapsedTime(confirmedAt);
                    if (left <= TimeSpan.Zero)
                    {
                        _lost.TrySetResult(
                            $"the lease on experiment '{ExperimentId}' ({Location}) could not be renewed before it expired: {lastError ?? "no answer"}");
                        return;
                    }
                    long sentAt = Stopwatch.GetTimestamp();
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    attempt.CancelAfter(left);
                    try
                    {
                        await _lease.RenewAsync(cancellationToken: attempt.Token).ConfigureAwait(false);
                        confirmedAt = sentAt;
                        break;
                    }
                    catch (RequestFailedException e) when (e.Status is 404 or 409 or 412 && AzureStorageClients.IsStorageAnswer(e))
                    {
                        _lost.TrySetResult(
                            $"the lease on experiment '{ExperimentId}' ({Location}) was lost: HTTP {e.Status} {e.ErrorCode}");
                        return;
                    }
                    catch (OperationCanceledException) when (attempt.IsCancellationRequested && !stop.IsCancellationRequested)
                    {
                        lastError = $"no answer within {left.TotalSeconds:0.#} s";
                    }
                    catch (Exception e) when (!stop.IsCancellationRequested)
                    {
                        // Unreachable or failing storage (or anything unforeseen): retry while the lease holds.
                        lastError = AzureStorageClients.Reason(e);
                    }
                    TimeSpan pause = TimeSpan.FromSeconds(Math.Min(s_retryPause.TotalSeconds,
                        Math.Max(0, (_duration - margin - Stopwatch.GetElapsedTime(confirmedAt)).TotalSeconds)));
                    await Task.Delay(pause, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private readonly record struct Holder(bool Leased, string? Host, int? Pid, ETag ETag);
}
