using Flute.Core.Codecs;
using Flute.Core.Randomness;

namespace Flute.Core.Tests.Codecs;

public sealed class ErrorFeedbackTests
{
    [Fact]
    public void OneRound_SendsTheLargestOfUpdatePlusResidual_AndKeepsTheRest()
    {
        // update [1, 2, 3, 0] + residual [3, 0, 0, 0.5] = [4, 2, 3, 0.5]; top-1 sends index 0 (4).
        var codec = new TopKCodec(0.25);
        float[] update = [1, 2, 3, 0];
        var bytes = new byte[8];
        var next = new float[4];
        ErrorFeedback.Encode(codec, update, [3, 0, 0, 0.5f], bytes, next, null);

        var sent = new float[4];
        codec.Decode(bytes, sent);
        Assert.Equal([4f, 0f, 0f, 0f], sent);
        Assert.Equal([0f, 2f, 3f, 0.5f], next);
    }

    [Fact]
    public void OverRounds_TheWholeMassIsTransmitted_AndTheResidualStaysBounded()
    {
        // The same update g every round with top-1% and error feedback: after T rounds the sum of what was
        // sent equals T·g minus the final residual (nothing is lost), and the residual does not grow with T —
        // every value's residual is sent once it becomes one of the largest. So sent/T → g.
        var random = DeterministicRandom.For(1, StreamPurpose.Noise);
        float[] g = Enumerable.Range(0, 1000).Select(_ => (float)random.NextGaussian()).ToArray();
        var codec = new TopKCodec(0.01);
        var bytes = new byte[codec.EncodedSize(g.Length)];
        var residual = Array.Empty<float>();
        var sentSum = new double[g.Length];
        var decoded = new float[g.Length];
        double gNorm = Norm(g.Select(v => (double)v));
        var residualNorms = new List<double>();
        const int rounds = 2000;
        for (int t = 1; t <= rounds; t++)
        {
            float[] update = [.. g];
            var next = new float[g.Length];
            ErrorFeedback.Encode(codec, update, residual, bytes, next, null);
            codec.Decode(bytes, decoded);
            for (int i = 0; i < g.Length; i++) sentSum[i] += decoded[i];
            residual = next;
            residualNorms.Add(Norm(residual.Select(v => (double)v)));
        }

        // Conservation: Σ sent + residual = T·g (up to float rounding of the running residual).
        double conservation = Norm(sentSum.Select((s, i) => s + residual[i] - rounds * (double)g[i]));
        Assert.True(conservation < 1e-3 * rounds * gNorm, $"lost mass {conservation}");
        // Bounded: the residual of the last 1000 rounds is no larger than at any time in rounds 500–1000.
        double early = residualNorms.Skip(499).Take(500).Max();
        double late = residualNorms.Skip(1000).Max();
        Assert.True(late <= 1.05 * early, $"residual grew: {early} then {late}");
        // Whole mass through: the mean sent per round is within 5% of g.
        double error = Norm(sentSum.Select((s, i) => s / rounds - g[i]));
        Assert.True(error < 0.05 * gNorm, $"mean sent differs from g by {error} (‖g‖ = {gNorm})");
    }

    [Fact]
    public void AResidualOfAnotherLength_IsRejected()
    {
        var codec = new TopKCodec(0.5);
        Assert.Throws<ArgumentException>(() => ErrorFeedback.Encode(codec, new float[4], new float[3], new byte[16], new float[4], null));
    }

    private static double Norm(IEnumerable<double> values) => Math.Sqrt(values.Sum(v => v * v));
}
