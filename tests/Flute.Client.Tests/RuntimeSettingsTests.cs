using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>
/// The runtime settings Directory.Build.props gives every Flute executable reach the built CLI.
/// Both were measured to matter (docs/performance.md): losing one silently costs speed or memory.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0)]
    [InlineData("System.GC.LOHThreshold", 262144)]
    public void The_built_cli_carries_the_measured_runtime_setting(string name, int expected)
    {
        string path = Path.ChangeExtension(FluteProcess.Binary, null) + ".runtimeconfig.json";
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty(name, out JsonElement value), $"{name} missing from {path}");
        Assert.Equal(expected, value.GetInt32());
    }
}
