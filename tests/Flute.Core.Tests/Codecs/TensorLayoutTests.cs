using Flute.Core.Codecs;

namespace Flute.Core.Tests.Codecs;

public sealed class TensorLayoutTests
{
    [Fact]
    public void ForUpdate_OfTheModelsLength_IsTheModelsTensors()
    {
        Assert.Equal([7840, 10], TensorLayout.ForUpdate([7840, 10], 7850).Lengths);
    }

    [Fact]
    public void ForUpdate_OfTwiceTheModel_RepeatsTheTensors()
    {
        // SCAFFOLD: [pseudo-gradient ‖ Δc].
        TensorLayout layout = TensorLayout.ForUpdate([6, 2], 16);
        Assert.Equal([6, 2, 6, 2], layout.Lengths);
        Assert.Equal(16, layout.Count);
    }

    [Fact]
    public void ForUpdate_WithARest_EndsWithAShorterRun()
    {
        Assert.Equal([6, 2, 3], TensorLayout.ForUpdate([6, 2], 11).Lengths);
    }

    [Fact]
    public void EmptyTensors_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new TensorLayout([3, 0]));
    }
}
