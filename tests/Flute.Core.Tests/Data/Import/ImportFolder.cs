namespace Flute.Core.Tests.Data.Import;

/// <summary>A scratch folder for one import test: input files written into it, and the output path.</summary>
public abstract class ImportFolder : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory("flute-import-").FullName;

    protected string Output => Path.Combine(Dir, "out.flpf");

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    protected string Write(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>All of <paramref name="d"/>'s features, sample after sample.</summary>
    protected static float[] Floats(Flute.Core.Data.Dataset d)
    {
        var values = new float[d.Count * d.FeatureCount];
        d.CopySamples(0, d.Count, values);
        return values;
    }
}
