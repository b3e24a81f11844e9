using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Flute.Core.Randomness;
using Flute.Grains.Torch;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Flute.Grains.Tests.Torch;

/// <summary>
/// <see cref="ModelExporter"/>: exported files hold exactly the weight vector, under the module's state dict
/// names, readable by real PyTorch (Debian's python3-torch at /usr/bin/python3) and by TorchSharp.
/// </summary>
public sealed class ModelExportTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private const string InstallHint = "install Debian's python3-torch; ./test.sh does";
    private const int NoTorchExitCode = 97;

    private static readonly ModelSpec LogReg = new("logreg", [1, 28, 28], 10);
    private static readonly ModelSpec CnnSmall = new("cnn-small", [1, 28, 28], 10);

    /// <summary>The specs docs/export.md describes, by model name.</summary>
    private static readonly Dictionary<string, ModelSpec> DocumentedSpecs = new()
    {
        ["logreg"] = LogReg,
        ["mlp"] = new("mlp", [1, 28, 28], 10, Hidden: 200),
        ["cnn"] = new("cnn", [1, 28, 28], 62),
        ["cnn-small"] = CnnSmall,
    };

    private readonly string directory = Directory.CreateTempSubdirectory("flute-export-test-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("logreg")]
    [InlineData("cnn-small")]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void PyTorchLoadsEveryParameterWithItsNameShapeAndExactValues(string model)
    {
        var spec = DocumentedSpecs[model];
        var parameters = ModelExporter.ParameterNames(spec);
        float[] weights = DistinctiveWeights(parameters, seed: 11);
        string file = Path.Combine(directory, "model.pt");

        ModelExporter.Export(spec, weights, ExportFormat.PyTorch, file);

        var (kind, entries) = ReadWithPyTorch(file);
        Assert.Equal("dict", kind);   // PyBridge pickles a plain dict; torch.load accepts either
        Assert.Equal(parameters.Select(p => p.Name), entries.Select(e => e.Name));
        int offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var (name, shape) = parameters[i];
            int count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            var entry = entries[i];
            Assert.True(shape.SequenceEqual(entry.Shape), $"{name}: PyTorch shape [{string.Join(", ", entry.Shape)}], module shape [{string.Join(", ", shape)}]");
            Assert.Equal("torch.float32", entry.DType);
            Assert.False(entry.RequiresGrad, $"{name} requires grad; a state dict's tensors do not");
            Assert.True(Sha256(weights.AsSpan(offset, count)) == entry.Sha256, $"{name}: values differ from weights[{offset}..{offset + count})");
            offset += count;
        }
        Assert.Equal(weights.Length, offset);
    }

    [Theory]
    [InlineData("logreg")]
    [InlineData("cnn-small")]
    public void TorchSharpLoadsTheExportIntoAFreshModuleBitwise(string model)
    {
        var spec = DocumentedSpecs[model];
        float[] weights = DistinctiveWeights(ModelExporter.ParameterNames(spec), seed: 12);
        string file = Path.Combine(directory, "model.dat");

        ModelExporter.Export(spec, weights, ExportFormat.TorchSharp, file);

        using var fresh = ModelRegistry.Create(spec);
        fresh.load(file);
        Assert.Equal(Bytes(weights), ParameterBytes(fresh));
    }

    [Fact]
    public void PyBridgeLoadsThePyTorchExportBackBitwise()
    {
        float[] weights = DistinctiveWeights(ModelExporter.ParameterNames(CnnSmall), seed: 13);
        string file = Path.Combine(directory, "model.pt");

        ModelExporter.Export(CnnSmall, weights, ExportFormat.PyTorch, file);

        using var fresh = ModelRegistry.Create(CnnSmall);
        fresh.load_py(file, strict: true);
        Assert.Equal(Bytes(weights), ParameterBytes(fresh));
    }

    [Fact]
    public void DocumentedPythonModulesLoadTheExportsAndComputeTheSameLogits()
    {
        string definitions = DocumentedPythonDefinitions();
        const int batch = 3;
        var random = new DeterministicRandom(14);
        float[] inputs = new float[batch * 784];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextGaussian();
        string inputFile = Path.Combine(directory, "inputs.f32");
        File.WriteAllBytes(inputFile, Bytes(inputs));
        var expected = new Dictionary<string, float[]>();
        var arguments = new List<string> { inputFile };
        foreach (var (model, spec) in DocumentedSpecs)
        {
            float[] weights = TrainedLookingWeights(spec, seed: 15);
            string file = Path.Combine(directory, model + ".pt");
            ModelExporter.Export(spec, weights, ExportFormat.PyTorch, file);
            expected[model] = TorchSharpLogits(spec, weights, inputs, batch);
            arguments.Add($"{model}={file}");
        }

        string output = RunPython(definitions + "\n" + LogitsScript, arguments);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(DocumentedSpecs.Keys, lines.Select(l => l.Split('\t')[0]));
        foreach (string line in lines)
        {
            string[] fields = line.Split('\t');
            float[] want = expected[fields[0]];
            double[] got = fields[1].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(want.Length, got.Length);
            for (int i = 0; i < want.Length; i++)
            {
                // Different libtorch builds (Debian's 1.13 here, 2.x in TorchSharp) round differently.
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * Math.Max(1, Math.Abs(want[i])),
                    $"{fields[0]} logit {i}: TorchSharp {want[i]}, PyTorch {got[i]}");
            }
        }
    }

    [Fact]
    public void DocumentedTableListsEachBuiltInModelsNamesAndShapes()
    {
        var rows = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "export.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries)[1..^1].Select(c => c.Trim('`')).ToArray())
            .ToArray();

        foreach (var (model, spec) in DocumentedSpecs)
        {
            var documented = rows.Where(r => r[0] == model).Select(r => (r[1], r[2], r[3])).ToArray();
            var actual = ModelExporter.ParameterNames(spec)
                .Select(p => (p.Name, "[" + string.Join(", ", p.Shape) + "]",
                    p.Shape.Aggregate(1L, (a, b) => a * b).ToString("N0", CultureInfo.InvariantCulture)))
                .ToArray();
            Assert.True(actual.SequenceEqual(documented),
                $"docs/export.md rows for {model} should be:\n" + string.Join("\n", actual.Select(a => $"| `{model}` | `{a.Item1}` | `{a.Item2}` | {a.Item3} |")));
        }
    }

    [Fact]
    public void BuffersAreExportedAfterTheParametersUnderTheirStateDictNames()
    {
        string name = "test-export-buffer-" + Guid.NewGuid().ToString("N");
        ModelRegistry.Register(name, "A scaled probe.", spec => new ScaledLogisticRegression(spec));
        var spec = new ModelSpec(name, [3], 2);
        var parameters = ModelExporter.ParameterNames(spec);
        float[] weights = DistinctiveWeights(parameters, seed: 16);
        string file = Path.Combine(directory, "model.pt");

        ModelExporter.Export(spec, weights, ExportFormat.PyTorch, file);

        Assert.Equal(new[] { "linear.weight", "linear.bias" }, parameters.Select(p => p.Name));
        var (_, entries) = ReadWithPyTorch(file);
        Assert.Equal(new[] { "linear.weight", "linear.bias", "scale" }, entries.Select(e => e.Name));
        Assert.Equal(Sha256(weights.AsSpan(0, 6)), entries[0].Sha256);
        Assert.Equal(Sha256(weights.AsSpan(6, 2)), entries[1].Sha256);
        Assert.Equal(Sha256([0.5f, 0.5f]), entries[2].Sha256);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void WrongWeightLengthIsAnArgumentExceptionAndWritesNothing(int delta)
    {
        float[] weights = new float[784 * 10 + 10 + delta];
        string file = Path.Combine(directory, "model.pt");

        var e = Assert.Throws<ArgumentException>(() => ModelExporter.Export(LogReg, weights, ExportFormat.PyTorch, file));

        Assert.Contains($"weights have {weights.Length} values", e.Message);
        Assert.Contains("has 7850 parameters (linear.weight [10, 784], linear.bias [10])", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void UnknownModelIsAnArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ModelExporter.Export(new ModelSpec("no-such-model", [4], 2), new float[10], ExportFormat.PyTorch, Path.Combine(directory, "m.pt")));

        Assert.Contains("unknown model 'no-such-model'", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Theory]
    [InlineData("torchsharp", ExportFormat.TorchSharp)]
    [InlineData("TorchSharp", ExportFormat.TorchSharp)]
    [InlineData("pytorch", ExportFormat.PyTorch)]
    [InlineData("PyTorch", ExportFormat.PyTorch)]
    [InlineData("PYTORCH", ExportFormat.PyTorch)]
    public void ParseAcceptsBothFormatsInAnyCase(string text, ExportFormat expected) =>
        Assert.Equal(expected, ModelExporter.Parse(text));

    [Theory]
    [InlineData("onnx")]
    [InlineData("")]
    [InlineData(" pytorch")]
    [InlineData("torch")]
    public void ParseRejectsOtherNamesNamingTheValidOnes(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelExporter.Parse(text));

        Assert.Contains($"unknown export format '{text}'; valid: torchsharp, pytorch", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingDirectoryIsAClearErrorAndCreatesNothing()
    {
        string missing = Path.Combine(directory, "no-such-dir");
        string file = Path.Combine(missing, "model.pt");
        float[] weights = new float[7850];

        var e = Assert.Throws<DirectoryNotFoundException>(() => ModelExporter.Export(LogReg, weights, ExportFormat.PyTorch, file));

        Assert.Equal($"cannot export to '{file}': directory '{missing}' does not exist", e.Message);
        Assert.False(Directory.Exists(missing));
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Theory]
    [InlineData(ExportFormat.PyTorch)]
    [InlineData(ExportFormat.TorchSharp)]
    public void ExportThatFailsWhileWritingKeepsTheOldFileAndLeavesNoTemporary(ExportFormat format)
    {
        string name = "test-export-broken-" + Guid.NewGuid().ToString("N");
        ModelRegistry.Register(name, "An unsavable probe.", spec => new UnsavableModel(spec));
        var spec = new ModelSpec(name, [3], 2);
        string file = Path.Combine(directory, "model.out");
        File.WriteAllText(file, "previous export");

        Assert.Throws<InvalidOperationException>(() => ModelExporter.Export(spec, new float[8], format, file));

        Assert.Equal("previous export", File.ReadAllText(file));
        Assert.Equal(new[] { file }, Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void ExportReplacesAnExistingFileAndLeavesNoTemporary()
    {
        string file = Path.Combine(directory, "model.pt");
        File.WriteAllText(file, "previous export");
        float[] weights = DistinctiveWeights(ModelExporter.ParameterNames(LogReg), seed: 17);

        ModelExporter.Export(LogReg, weights, ExportFormat.TorchSharp, file);

        using var fresh = ModelRegistry.Create(LogReg);
        fresh.load(file);
        Assert.Equal(Bytes(weights), ParameterBytes(fresh));
        Assert.Equal(new[] { file }, Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void ParameterNamesFollowTheWeightVectorLayout()
    {
        var names = ModelExporter.ParameterNames(CnnSmall);

        Assert.Equal(new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" },
            names.Select(p => p.Name));
        Assert.Equal([8L, 1, 5, 5], names[0].Shape);
        Assert.Equal([120L, 16 * 7 * 7], names[4].Shape);
        // conv1 1·8·25 + 8, conv2 8·16·25 + 16, fc1 (16·7·7)·120 + 120, fc2 120·10 + 10
        Assert.Equal(208 + 3_216 + 94_200 + 1_210, names.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b)));
    }

    /// <summary>
    /// Reads a state dict with real PyTorch: the container's type name, then per entry in order its name,
    /// shape, dtype, requires_grad and the SHA-256 of its values as little-endian float32.
    /// </summary>
    private static (string Kind, List<PyTorchEntry> Entries) ReadWithPyTorch(string file)
    {
        const string script = """
            import hashlib
            state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
            print(type(state).__name__)
            for name, t in state.items():
                data = t.detach().contiguous().numpy().astype("<f4", copy=False).tobytes()
                shape = ",".join(str(d) for d in t.shape)
                print(name, shape, str(t.dtype), t.requires_grad, hashlib.sha256(data).hexdigest(), sep="\t")
            """;
        var lines = RunPython(script, [file]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = lines.Skip(1).Select(line =>
        {
            string[] f = line.Split('\t');
            long[] shape = f[1].Length == 0 ? [] : f[1].Split(',').Select(long.Parse).ToArray();
            return new PyTorchEntry(f[0], shape, f[2], bool.Parse(f[3]), f[4]);
        }).ToList();
        return (lines[0], entries);
    }

    /// <summary>Runs a script with /usr/bin/python3 after importing sys and torch; fails the test if torch is missing.</summary>
    private static string RunPython(string script, IEnumerable<string> arguments)
    {
        string prelude = $$"""
            import sys
            try:
                import torch
            except Exception as e:
                print(e, file=sys.stderr)
                sys.exit({{NoTorchExitCode}})

            """;
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(prelude + script);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Assert.Fail($"cannot run {Python} ({e.Message}): {InstallHint}");
            throw;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                Assert.Fail($"{Python} did not finish in 2 minutes");
            }
            string errors = stderr.GetAwaiter().GetResult();
            if (process.ExitCode == NoTorchExitCode)
                Assert.Fail($"{Python} cannot import torch ({errors.Trim()}): {InstallHint}");
            Assert.True(process.ExitCode == 0, $"{Python} exited with {process.ExitCode}:\n{errors}");
            return stdout;
        }
    }

    /// <summary>Loads each file (argv: inputs, then model=file) into the documented module and prints its logits.</summary>
    private const string LogitsScript = """
        import numpy
        constructors = {
            "logreg": lambda: LogisticRegression(features=784, classes=10),
            "mlp": lambda: Mlp(features=784, hidden=200, classes=10),
            "cnn": lambda: cnn(classes=62),
            "cnn-small": lambda: cnn_small(classes=10),
        }
        x = torch.from_numpy(numpy.fromfile(sys.argv[1], dtype="<f4")).view(-1, 1, 28, 28)
        for argument in sys.argv[2:]:
            name, path = argument.split("=", 1)
            model = constructors[name]()
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            model.eval()
            with torch.no_grad():
                logits = model(x).flatten().tolist()
            print(name, " ".join(repr(v) for v in logits), sep="\t")
        """;

    /// <summary>The first ```python block of docs/export.md: the module definitions a researcher copies.</summary>
    private static string DocumentedPythonDefinitions()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "export.md"));
        int start = text.IndexOf("```python\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/export.md has no ```python block");
        start += "```python\n".Length;
        int end = text.IndexOf("```", start, StringComparison.Ordinal);
        return text[start..end];
    }

    private static float[] TorchSharpLogits(ModelSpec spec, float[] weights, float[] inputs, int batch)
    {
        using var scope = NewDisposeScope();
        using var replica = ModelReplica.Create(spec);
        replica.LoadWeights(Bytes(weights));
        using (no_grad())
        {
            var x = tensor(inputs).view(batch, 1, 28, 28);
            return replica.Module.forward(x).flatten().data<float>().ToArray();
        }
    }

    /// <summary>
    /// A weight vector in which every value differs from its neighbours and from every other parameter's
    /// values, with the awkward bit patterns (negative zero, a subnormal, NaN with a payload, infinities)
    /// at the start of each parameter.
    /// </summary>
    private static float[] DistinctiveWeights(IReadOnlyList<(string Name, long[] Shape)> parameters, ulong seed)
    {
        long total = parameters.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));
        var random = new DeterministicRandom(seed);
        float[] weights = new float[total];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)random.NextGaussian(0, 0.1);
        float[] awkward = [-0.0f, float.Epsilon, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.PositiveInfinity, float.NegativeInfinity, float.MaxValue];
        long offset = 0;
        foreach (var (_, shape) in parameters)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            for (int i = 0; i < Math.Min(count, awkward.Length); i++) weights[offset + i] = awkward[i];
            offset += count;
        }
        return weights;
    }

    /// <summary>Weights of a usable magnitude (the experiment initialisation), for comparing logits.</summary>
    private static float[] TrainedLookingWeights(ModelSpec spec, ulong seed)
    {
        using var trainer = StandaloneTrainer.Create(spec);
        return trainer.InitialWeights(seed);
    }

    private static byte[] ParameterBytes(nn.Module module) =>
        module.parameters().SelectMany(p => p.bytes.ToArray()).ToArray();

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static string Sha256(ReadOnlySpan<float> values) =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values)));

    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        // With --artifacts-path the build output is outside the repository: fall back to the source path.
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = start.Length == 0 ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Flute.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"Flute.sln not found above {AppContext.BaseDirectory} or {sourceFile}");
    }

    private sealed record PyTorchEntry(string Name, long[] Shape, string DType, bool RequiresGrad, string Sha256);

    /// <summary>logreg with a constant buffer: logits × scale. Shows that buffers travel with the parameters.</summary>
    private sealed class ScaledLogisticRegression : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear linear;

        public ScaledLogisticRegression(ModelSpec spec) : base("test-scaled-logreg")
        {
            linear = nn.Linear(spec.FeatureCount, spec.ClassCount);
            RegisterComponents();
            using Scalar half = 0.5f;
            register_buffer("scale", full(spec.ClassCount, half));
        }

        public override Tensor forward(Tensor input) => linear.forward(input.flatten(1)) * get_buffer("scale")!;
    }

    /// <summary>
    /// logreg whose state dict ends with an already disposed tensor: saving it fails after the parameters
    /// have been written (PyBridge has written part of its archive by then).
    /// </summary>
    private sealed class UnsavableModel : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear linear;

        public UnsavableModel(ModelSpec spec) : base("test-unsavable")
        {
            linear = nn.Linear(spec.FeatureCount, spec.ClassCount);
            RegisterComponents();
        }

        public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
        {
            var state = base.state_dict(destination, prefix);
            var disposed = zeros(1);
            disposed.Dispose();
            state.Add("disposed", disposed);
            return state;
        }

        public override Tensor forward(Tensor input) => linear.forward(input.flatten(1));
    }
}
