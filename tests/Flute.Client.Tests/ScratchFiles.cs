using System.Text.Json;

namespace Flute.Client.Tests;

/// <summary>Files of a test's scratch folder: inputs written into it, and a run's summary.json read from it.</summary>
internal static class ScratchFiles
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> under <paramref name="dir"/>; returns the full path.</summary>
    public static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The summary.json a run wrote to <paramref name="outDir"/> (relative to <paramref name="dir"/>).</summary>
    public static JsonElement Summary(string dir, string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, outDir, "summary.json"))).RootElement;
}
