namespace Flute.Client.Cli;

internal static class AzureExperimentStore
{
    public static ExperimentStore Open(string connectionString) => throw new NotSupportedException("azure pending");
}
