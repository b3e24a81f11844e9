namespace Flute.Client.Tests;

/// <summary>`flute run` of the Fashion-MNIST example where its files are not: one line, exit 2, before anything runs.</summary>
public sealed class FashionMnistRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flute-fashion-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_data_dir_without_the_files_exits_2_naming_the_missing_file()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        string config = Path.Combine(FluteProcess.RepositoryRoot, "examples", "fashion-mnist-cnn.yaml");

        var result = FluteProcess.Run(_dir, "run", config, "--storage", "none", "--data-dir", empty);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"flute: --data-dir: Fashion-MNIST data dir '{empty}' has no file 'train-images-idx3-ubyte.gz' (or 'train-images-idx3-ubyte')", result.StdErr.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir, "runs")));
    }
}
