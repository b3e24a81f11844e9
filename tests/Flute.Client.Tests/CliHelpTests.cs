namespace Flute.Client.Tests;

/// <summary>Every command answers --help with its usage and exit 0, and writes nothing else.</summary>
[Collection("processes")]
public sealed class CliHelpTests
{
    [Theory]
    [InlineData("run", "usage: flute run CONFIG")]
    [InlineData("resume", "usage: flute resume ID")]
    [InlineData("pause", "usage: flute pause ID")]
    [InlineData("list", "usage: flute list")]
    [InlineData("status", "usage: flute status ID")]
    [InlineData("export", "usage: flute export ID")]
    [InlineData("bench", "usage: flute bench NAME")]
    [InlineData("data", "usage: flute data partition")]
    [InlineData("cluster", "usage: flute cluster status")]
    [InlineData("plot", "usage: flute plot RUN_DIR...")]
    [InlineData("compare", "usage: flute compare RUN_DIR...")]
    [InlineData("sweep", "usage: flute sweep CONFIG")]
    [InlineData("version", "usage: flute version")]
    public void Every_command_answers_help(string command, string usage)
    {
        foreach (string flag in new[] { "--help", "-h" })
        {
            var result = FluteProcess.Run(Path.GetTempPath(), command, flag);
            Assert.Equal(0, result.ExitCode);
            Assert.StartsWith(usage, result.StdOut);
            Assert.Equal("", result.StdErr);
        }
    }
}
