using System.Runtime.InteropServices;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>File formats a model can be exported to (docs/export.md).</summary>
public enum ExportFormat
{
    /// <summary>TorchSharp's own format, written by <c>module.save</c> and read back by <c>module.load</c>.</summary>
    TorchSharp,

    /// <summary>
    /// A PyTorch state dict (zip archive, as <c>torch.save(model.state_dict(), path)</c> writes), written by
    /// TorchSharp.PyBridge's <c>save_py</c>: <c>torch.load(path)</c> gives a dict of name → float32 tensor.
    /// </summary>
    PyTorch,
}

/// <summary>
/// Writes a model's weights to a file that TorchSharp or PyTorch can load: the module is built for a
/// <see cref="ModelSpec"/> on the CPU, the flat float32 weight vector (parameters in <see cref="ModelLayout"/>
/// order) is copied bitwise into its parameters, and its state dict is saved. Entry names are the module's
/// <c>state_dict()</c> names (<c>linear.weight</c>, <c>conv1.bias</c>, …). A model's buffers, if it has any,
/// are saved as its factory built them, since a weight vector holds parameters only
/// (docs/extending/01-model.md rules out buffers that change in training).
/// The module is built on the calling thread; nothing is computed with it, so no trainer thread is needed.
/// </summary>
public static class ModelExporter
{
    private const string ValidFormats = "torchsharp, pytorch";

    /// <summary>
    /// Exports <paramref name="weights"/> for <paramref name="spec"/> to <paramref name="path"/>. The file is
    /// written under a temporary name in the same directory and renamed into place, so a failed export
    /// leaves no file (and an existing file unchanged) under <paramref name="path"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The model is unknown, or <paramref name="weights"/> does not have
    /// exactly the model's parameter count.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public static void Export(ModelSpec spec, ReadOnlySpan<float> weights, ExportFormat format, string path)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Enum.IsDefined(format))
            throw new ArgumentOutOfRangeException(nameof(format), format, $"unknown export format; valid: {ValidFormats}");
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"cannot export to '{path}': it is not a file path", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"cannot export to '{path}': directory '{directory}' does not exist");
        if (Directory.Exists(target))
            throw new IOException($"cannot export to '{path}': it is a directory");

        using var replica = ModelReplica.Create(spec);
        var layout = replica.Layout;
        if (weights.Length != layout.ParameterCount)
            throw new ArgumentException(
                $"weights have {weights.Length} values, but model {spec} has {layout.ParameterCount} parameters ({Describe(layout)})",
                nameof(weights));
        replica.LoadWeights(MemoryMarshal.AsBytes(weights));
        // A state dict from PyTorch holds tensors that do not require grad (state_dict() detaches them);
        // the pickler records this flag, so clear it to give Python the same (and let .numpy() work).
        foreach (var parameter in replica.Parameters) parameter.requires_grad = false;

        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Save(replica.Module, format, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The parameters of <paramref name="spec"/>'s model in weight-vector order: state dict names and shapes.
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape)> ParameterNames(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var replica = ModelReplica.Create(spec);
        return replica.Layout.Parameters.Select(p => (p.Name, (long[])p.Shape.Clone())).ToArray();
    }

    /// <summary>Reads a format name: <c>torchsharp</c> or <c>pytorch</c>, in any case.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static ExportFormat Parse(string format) =>
        format?.ToLowerInvariant() switch
        {
            "torchsharp" => ExportFormat.TorchSharp,
            "pytorch" => ExportFormat.PyTorch,
            _ => throw new ArgumentException($"unknown export format '{format}'; valid: {ValidFormats}", nameof(format)),
        };

    private static void Save(nn.Module module, ExportFormat format, FileStream stream)
    {
        switch (format)
        {
            case ExportFormat.TorchSharp:
                // save(Stream) would dispose the stream before it can be flushed to disk.
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    module.save(writer);
                    writer.Flush();
                }
                break;
            case ExportFormat.PyTorch:
                module.save_py(stream, leaveOpen: true);
                break;
        }
    }

    private static string Describe(ModelLayout layout) =>
        string.Join(", ", layout.Parameters.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]"));

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
    }
}
