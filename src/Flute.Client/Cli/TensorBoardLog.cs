using Flute.Grains.Storage;
using Flute.Interfaces;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Client.Cli;

/// <summary>
/// TensorBoard event files for a run (<c>--tensorboard</c>): every round's numeric metrics as scalars
/// under <c>runs/&lt;id&gt;/tensorboard/</c>, step = round, through TorchSharp's SummaryWriter, so
/// <c>tensorboard --logdir runs</c> shows every run. A resumed run appends a new event file from the
/// round it resumed after.
/// </summary>
internal sealed class TensorBoardLog
{
    private readonly SummaryWriter _writer;

    /// <summary>Opens (creates) the event directory.</summary>
    public TensorBoardLog(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        _writer = utils.tensorboard.SummaryWriter(directory, createRunName: false);
        Directory = directory;
    }

    /// <summary>The directory the event files are in.</summary>
    public string Directory { get; }

    /// <summary>Writes the round's metrics that have a value (round 0, the initial model, included).</summary>
    public void Write(RoundMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        Scalar("test_accuracy", m.TestAccuracy, m.Round);
        Scalar("test_loss", m.TestLoss, m.Round);
        Scalar("val_accuracy", m.ValidationAccuracy, m.Round);
        Scalar("val_loss", m.ValidationLoss, m.Round);
        foreach (var (metric, value) in m.TestMetrics ?? new Dictionary<string, double>()) Scalar(MetricsJson.TestPrefix + metric, value, m.Round);
        foreach (var (metric, value) in m.ValidationMetrics ?? new Dictionary<string, double>()) Scalar(MetricsJson.ValidationPrefix + metric, value, m.Round);
        if (m.Round > 0)
        {
            Scalar("train_loss", m.TrainLoss, m.Round);
            Scalar("clients", m.Clients, m.Round);
            Scalar("seconds", m.Seconds, m.Round);
        }
        Scalar("client_acc_mean", m.ClientAccuracy?.Mean, m.Round);
        Scalar("personalized_acc_mean", m.PersonalizedAccuracy?.Mean, m.Round);
        Scalar("virtual_time", m.VirtualTime, m.Round);
    }

    private void Scalar(string tag, double? value, int round)
    {
        if (value is double v && double.IsFinite(v)) _writer.add_scalar(tag, (float)v, round);
    }
}
