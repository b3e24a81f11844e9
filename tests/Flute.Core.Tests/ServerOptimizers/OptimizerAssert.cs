namespace Flute.Core.Tests.ServerOptimizers;

/// <summary>Compares float vectors with hand-computed values written to seven significant digits.</summary>
internal static class OptimizerAssert
{
    public static void Close(float[] expected, float[] actual, double tolerance = 2e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance);
        }
    }
}
