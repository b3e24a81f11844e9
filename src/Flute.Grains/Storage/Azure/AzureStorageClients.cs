using System.Net.Sockets;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Flute.Core.Persistence;

namespace Flute.Grains.Storage.Azure;

/// <summary>
/// Blob clients for a command-line tool: bounded retries, so an unreachable endpoint fails in about
/// half a minute rather than minutes, and one mapping of Azure's transport errors to
/// <see cref="StorageUnavailableException"/> (which the CLI reports in one line, exit code 3).
/// </summary>
public static class AzureStorageClients
{
    /// <summary>Retries after the first attempt of a request.</summary>
    public const int MaxRetries = 3;

    /// <summary>
    /// The longest one attempt may wait for an answer (the whole request, body included, for an upload;
    /// each read of a download). With <see cref="MaxRetries"/> and the backoff this bounds a request to
    /// a dead endpoint at about 4 × 7 s + 4 s ≈ 32 s.
    /// </summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(7);

    /// <summary>The first retry's delay; it doubles per retry (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest delay between two attempts.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Blob client options with the bounded retry policy above.</summary>
    public static BlobClientOptions CreateOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        return options;
    }

    /// <summary>A service client for <paramref name="connectionString"/> with <see cref="CreateOptions"/>.</summary>
    /// <exception cref="ArgumentException">The connection string cannot be parsed (one-line message, without the string's secrets).</exception>
    public static BlobServiceClient CreateServiceClient(string connectionString)
    {
        ValidateConnectionString(connectionString);
        return new BlobServiceClient(connectionString, CreateOptions());
    }

    /// <summary>A client for <paramref name="containerName"/> (not created here; the store and the lease create it on first use).</summary>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    public static BlobContainerClient CreateContainerClient(string connectionString, string containerName) =>
        CreateServiceClient(connectionString).GetBlobContainerClient(containerName);

    /// <summary>Checks that <paramref name="connectionString"/> names a blob endpoint and returns it (without any SAS query).</summary>
    /// <exception cref="ArgumentException">It cannot be parsed; the one-line message says why and never repeats the string (it may hold a key).</exception>
    public static Uri ValidateConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("invalid Azure Storage connection string: it is empty", nameof(connectionString));
        }
        try
        {
            return Describe(new BlobServiceClient(connectionString).Uri);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            throw new ArgumentException(
                $"invalid Azure Storage connection string: {OneLine(e.Message)} (expected e.g. DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net, or BlobEndpoint=...;SharedAccessSignature=...)",
                nameof(connectionString));
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> means the storage service could not be reached or could not
    /// serve the request: a transport failure (status 0, a socket or HTTP error), a network timeout,
    /// a 408, 429 or 5xx answer that outlived the retries, refused credentials (401/403), or an error
    /// answer without Azure Storage's error code (the endpoint is some other server). A cancellation of
    /// <paramref name="cancellationToken"/> (the caller's) is not.
    /// </summary>
    public static bool IsUnavailable(Exception error, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested && error is OperationCanceledException)
        {
            return false;
        }
        return error switch
        {
            RequestFailedException r => r.Status is 0 or 401 or 403 or 408 or 429 or >= 500 || !IsStorageAnswer(r),
            AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(e => IsUnavailable(e, cancellationToken)),
            HttpRequestException or SocketException or TimeoutException or IOException => true,
            OperationCanceledException => true,
            _ => false,
        };
    }

    /// <summary>
    /// The one-line <see cref="StorageUnavailableException"/> for <paramref name="error"/>:
    /// "storage error: cannot reach Azure Blob Storage at &lt;endpoint&gt;: &lt;short reason&gt;".
    /// </summary>
    public static StorageUnavailableException Unavailable(Uri endpoint, Exception error)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(error);
        return new StorageUnavailableException(
            $"storage error: cannot reach Azure Blob Storage at {Describe(endpoint)}: {Reason(error)}", error);
    }

    /// <summary><paramref name="uri"/> without its query (a SAS token is a secret).</summary>
    public static Uri Describe(Uri uri) =>
        string.IsNullOrEmpty(uri.Query) ? uri : new Uri(uri.GetLeftPart(UriPartial.Path));

    /// <summary>A short reason for an unavailability error, e.g. "Connection refused (127.0.0.1:1), after 4 attempts".</summary>
    internal static string Reason(Exception error)
    {
        int attempts = 1;
        if (error is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
        {
            attempts = aggregate.InnerExceptions.Count;
            error = aggregate.InnerExceptions[^1];
        }
        string reason = error switch
        {
            RequestFailedException { Status: 401 or 403 } r =>
                $"access denied (HTTP {r.Status}{Code(r)}; check the account key or SAS token)",
            RequestFailedException { Status: > 0 } r when !IsStorageAnswer(r) =>
                $"HTTP {r.Status} without an Azure Storage error code (is this a blob service endpoint?)",
            RequestFailedException { Status: > 0 } r => $"HTTP {r.Status}{Code(r)}",
            OperationCanceledException => $"no answer within {NetworkTimeout.TotalSeconds:0} s",
            _ => Innermost(error).Message,
        };
        string suffix = attempts > 1 ? $", after {attempts} attempts" : "";
        return OneLine(reason) + suffix;
    }

    /// <summary>
    /// Whether <paramref name="error"/> is the storage service's own "not found" (blob or container),
    /// as opposed to a 404 from a server that is not Azure Storage at all.
    /// </summary>
    public static bool IsNotFound(RequestFailedException error) =>
        error.Status == 404 && error.ErrorCode is "BlobNotFound" or "ContainerNotFound";

    // Azure Storage (and Azurite) name every error in x-ms-error-code; a proxy or web server does not.
    internal static bool IsStorageAnswer(RequestFailedException r) => r.Status is < 400 || !string.IsNullOrEmpty(r.ErrorCode);

    private static string Code(RequestFailedException r) => string.IsNullOrEmpty(r.ErrorCode) ? "" : $" {r.ErrorCode}";

    // The most specific useful cause: RequestFailedException(status 0) → HttpRequestException, whose
    // message names the host and port ("Connection refused (127.0.0.1:1)").
    private static Exception Innermost(Exception error)
    {
        while (error is RequestFailedException or AggregateException && error.InnerException is not null)
        {
            error = error.InnerException;
        }
        return error;
    }

    private static string OneLine(string text)
    {
        string line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "...";
    }
}
