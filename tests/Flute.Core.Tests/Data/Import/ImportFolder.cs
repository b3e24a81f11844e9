using Flute.Core.Data.Import;

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

    /// <summary>
    /// Imports LEAF <paramref name="train"/> and <paramref name="test"/>, which must fail: one line starting
    /// with <paramref name="named"/> (the file at fault) and no output file left. Returns the message.
    /// </summary>
    protected string FailingLeafImport(string train, string test, string named)
    {
        var error = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 0));
        Assert.StartsWith(named + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(Dir, "out.flpf*"));
        return error.Message;
    }

    /// <summary>All of <paramref name="d"/>'s features, sample after sample.</summary>
    protected static float[] Floats(Flute.Core.Data.Dataset d)
    {
        var values = new float[d.Count * d.FeatureCount];
        d.CopySamples(0, d.Count, values);
        return values;
    }
}
