using Flute.Tests.Shared;

namespace Flute.Client.Tests.Native;

/// <summary>
/// No call site in the CLI or in the sample plug-in hands libtorch a TorchSharp Scalar that nothing
/// keeps alive (<see cref="TemporaryScalarScan"/>; Flute.Grains has the same test and the explanation).
/// Reads the built assemblies' metadata only.
/// </summary>
public sealed class TemporaryScalarTests
{
    private static readonly string BinaryDirectory = Path.GetDirectoryName(FluteProcess.Binary)!;

    private static readonly Lazy<HashSet<string>> UnsafeTorchSharp =
        new(() => TemporaryScalarScan.UnsafeTorchSharpMethods(Path.Combine(BinaryDirectory, "TorchSharp.dll")));

    [Fact]
    public void No_call_site_in_the_CLI_passes_libtorch_a_temporary_scalar()
    {
        var findings = TemporaryScalarScan.Scan(Path.Combine(BinaryDirectory, "flute.dll"), UnsafeTorchSharp.Value);
        Assert.True(findings.Count == 0, $"{findings.Count} call sites:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void No_call_site_in_the_sample_plugin_passes_libtorch_a_temporary_scalar()
    {
        var findings = TemporaryScalarScan.Scan(PluginTests.SamplePlugin, UnsafeTorchSharp.Value);
        Assert.True(findings.Count == 0, $"{findings.Count} call sites:\n" + string.Join("\n", findings));
    }
}
