using Flute.Core.Configuration;
using Flute.Core.UpdatePipeline;

namespace Flute.Core.Tests.UpdatePipeline;

public sealed class LocalDpStepTests
{
    [Fact]
    public void Sigma_IsTheGaussianMechanismsCalibration()
    {
        // C = 2, ε = 0.5, δ = 1e-5: σ = 2·√(2·ln(125000))/0.5 = 4·√(23.4712...) = 19.3790...
        var step = new LocalDpStep(2, 0.5, 1e-5);
        Assert.Equal(4 * Math.Sqrt(2 * Math.Log(125_000)), step.NoiseStdDev, 12);
        Assert.Equal(19.379, step.NoiseStdDev, 3);
    }

    [Fact]
    public void NoiseStdDev_OverManyDraws_IsWithinTwoPercentOfSigma()
    {
        // A zero update stays zero after clipping, so what comes out is the noise alone.
        var step = new LocalDpStep(1, 2, 1e-5);
        var update = new float[200_000];
        step.Apply(update, new UpdateStepContext(11, 3, 42));
        double mean = update.Average(v => (double)v);
        double std = Math.Sqrt(update.Sum(v => (v - mean) * (v - mean)) / (update.Length - 1));
        Assert.InRange(std / step.NoiseStdDev, 0.98, 1.02);
        Assert.InRange(mean, -0.02 * step.NoiseStdDev, 0.02 * step.NoiseStdDev);
    }

    [Theory]
    [InlineData(new float[] { 3, 4, 0 })]
    [InlineData(new float[] { 30, -40, 120 })]
    [InlineData(new float[] { 0.1f, 0.2f, -0.2f })]
    public void Clipping_BoundsEveryContributionBeforeTheNoise(float[] update)
    {
        // The noise is a function of (seed, round, client) alone: applied to a zero update it is the noise
        // itself, so output − noise is what the client contributed, and its norm is at most C = 1.
        var step = new LocalDpStep(1, 1, 1e-5);
        var context = new UpdateStepContext(5, 1, 7);
        var noise = new float[update.Length];
        step.Apply(noise, context);
        double inputNorm = Math.Sqrt(update.Sum(v => (double)v * v));
        float[] output = [.. update];

        step.Apply(output, context);

        double contribution = Math.Sqrt(output.Zip(noise, (o, n) => (double)o - n).Sum(d => d * d));
        Assert.InRange(contribution, Math.Min(inputNorm, 1) - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void SameSeedRoundClient_GivesTheSameNoise_OtherClientsOther()
    {
        var step = new LocalDpStep(1, 1, 1e-5);
        var a = new float[8];
        var b = new float[8];
        var c = new float[8];
        step.Apply(a, new UpdateStepContext(5, 2, 7));
        step.Apply(b, new UpdateStepContext(5, 2, 7));
        step.Apply(c, new UpdateStepContext(5, 2, 8));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Registry_BuildsTheStepsInConfiguredOrderFromThePrivacyKeys()
    {
        var config = new FluteConfig();
        config.Client.UpdateSteps = "local_dp, clip";
        config.Privacy.LocalEpsilon = 4;
        config.Privacy.LocalClipNorm = 0.5;
        config.Privacy.ClipNorm = 3;

        ClientUpdatePipeline pipeline = ClientUpdatePipeline.From(config);

        Assert.Equal(["local_dp", "clip"], pipeline.Configured.Select(s => s.Name));
        var dp = Assert.IsType<LocalDpStep>(pipeline.Configured[0]);
        Assert.Equal((0.5, 4, 1e-5), (dp.ClipNorm, dp.Epsilon, dp.Delta));
        Assert.Equal(3, Assert.IsType<ClipStep>(pipeline.Configured[1]).ClipNorm);
    }
}
