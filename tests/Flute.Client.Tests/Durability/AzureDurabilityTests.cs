using Azure.Storage.Blobs;
using Flute.Tests.Shared;

namespace Flute.Client.Tests.Durability;

/// <summary>One Azurite for the azure crash tests: FLUTE_TEST_AZURITE (./test.sh starts it) or its own.</summary>
public sealed class AzuriteProcessFixture : IDisposable
{
    private readonly string? _stateDirectory;

    public AzuriteProcessFixture()
    {
        string? existing = Azurite.FromEnvironment();
        if (existing is null)
        {
            _stateDirectory = System.IO.Directory.CreateTempSubdirectory("flute-azurite-cli-").FullName;
            existing = Azurite.Start(_stateDirectory);
        }
        ConnectionString = existing;
    }

    public string ConnectionString { get; }

    public void Dispose()
    {
        if (_stateDirectory is null) return;
        try
        {
            Azurite.Stop(_stateDirectory);
        }
        finally
        {
            System.IO.Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}

/// <summary>The crash scenarios on the azure backend, against a real Azurite (never skipped).</summary>
public sealed class AzureDurabilityTests(AzuriteProcessFixture azurite) : DurabilityScenarios, IClassFixture<AzuriteProcessFixture>
{
    protected override string[] StorageArgs => ["--storage", "azure", "--azure-connection", azurite.ConnectionString];

    protected override string Backend => "azure";

    [Theory]
    [MemberData(nameof(Phases))]
    public void Crash_at_an_injected_point_then_resume_gives_the_uninterrupted_model(string phase) =>
        CrashAtInjectedPointThenResume(phase);

    [Fact]
    public void Five_random_sigkills_then_resume_give_the_uninterrupted_model() => RandomKillsThenResume(seed: 12);

    [Fact]
    public void Pause_from_a_second_terminal_then_resume_gives_the_uninterrupted_model() => PauseFromSecondTerminalThenResume();

    [Fact]
    public void The_state_and_checkpoint_blobs_exist_in_azurite()
    {
        string id = Id("blobs");
        var run = Flute("run", ConfigPath, "--id", id, "--set", "experiment.rounds=3");
        Assert.True(run.ExitCode == 0, run.StdErr);

        var service = new BlobServiceClient(azurite.ConnectionString);
        var checkpoints = service.GetBlobContainerClient("flute-checkpoints").GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"experiments/{id}/", CancellationToken.None).Select(b => b.Name).ToList();
        var states = service.GetBlobContainerClient("flute-grainstate").GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None).Select(b => b.Name).Where(n => n.Contains(id)).ToList();

        // keep_rounds 2: rounds 2 and 3, each with weights, optimizer state, metrics and the record copy.
        foreach (int round in new[] { 2, 3 })
        {
            foreach (string blob in new[] { "weights.bin", "optimizer.bin", "metrics.bin", "checkpoint" })
                Assert.Contains($"experiments/{id}/rounds/{round:D6}/{blob}", checkpoints);
        }
        Assert.DoesNotContain(checkpoints, n => n.Contains("/000001/"));
        Assert.Equal([$"experiment-experiment/{id}.json"], states);
        Assert.Contains($"{id}", Flute("list").StdOut);
    }

    [Fact]
    public void Unreachable_storage_exits_3_with_one_line()
    {
        const string closedPort = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";

        var result = FluteProcess.Run(Directory, "run", ConfigPath, "--id", Id("nowhere"), "--storage", "azure", "--azure-connection", closedPort);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("flute: storage error", result.StdErr);
        Assert.Single(result.StdErr.Trim().Split('\n'));
    }
}
