using Flute.Grains.Storage;

namespace Flute.Grains.Hosting;

internal static class AzureStorageRegistration
{
    public static void Add(ISiloBuilder silo, FluteStorageOptions options) =>
        throw new NotSupportedException("azure storage wiring pending");
}
