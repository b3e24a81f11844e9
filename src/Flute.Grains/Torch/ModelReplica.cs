using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Flute.Core.Data;
using Flute.Grains.Torch.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flute.Grains.Torch;

/// <summary>
/// One model instance owned by one trainer thread, reused for every job of its <see cref="ModelSpec"/>:
/// the module, its parameters' storage addresses (weights are loaded and read by memcpy), and a
/// preallocated input batch and label tensor. Inputs are copied into torch-allocated memory because
/// wrapping a managed array gives MKL a varying alignment and so varying bits (DESIGN.md).
/// Not thread-safe: only its trainer thread touches it.
/// </summary>
internal sealed unsafe class ModelReplica : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly nint[] parameterData;
    private Tensor? inputs;
    private Tensor? labels;
    private float* inputData;
    private long* labelData;
    private IClientOptimizer? optimizer;

    private ModelReplica(ModelSpec spec, nn.Module<Tensor, Tensor> module, Parameter[] parameters, nint[] parameterData, ModelLayout layout)
    {
        Spec = spec;
        Module = module;
        this.parameters = parameters;
        this.parameterData = parameterData;
        Layout = layout;
    }

    public ModelSpec Spec { get; }
    public nn.Module<Tensor, Tensor> Module { get; }
    public ModelLayout Layout { get; }
    public IReadOnlyList<Parameter> Parameters => parameters;
    public int BatchCapacity { get; private set; }

    /// <summary>Builds the model; call on the trainer thread that will own it.</summary>
    public static ModelReplica Create(ModelSpec spec)
    {
        var module = ModelRegistry.Create(spec);
        try
        {
            var named = module.named_parameters().ToArray();
            var parameters = new Parameter[named.Length];
            var data = new nint[named.Length];
            var infos = new ParameterInfo[named.Length];
            int offset = 0;
            for (int i = 0; i < named.Length; i++)
            {
                var (name, p) = named[i];
                if (p.dtype != ScalarType.Float32 || p.device_type != DeviceType.CPU || !p.is_contiguous())
                    throw new NotSupportedException($"model '{spec.Name}': parameter {name} must be a contiguous float32 CPU tensor");
                int count = checked((int)p.numel());
                parameters[i] = p;
                data[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(p.bytes));
                infos[i] = new ParameterInfo(name, p.shape, offset, count);
                offset = checked(offset + count);
            }
            return new ModelReplica(spec, module, parameters, data, new ModelLayout(infos, offset));
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>Copies float32 little-endian weights into the parameters' storage, in place.</summary>
    public void LoadWeights(ReadOnlySpan<byte> weights)
    {
        CheckLength(weights.Length, "weights");
        var source = MemoryMarshal.Cast<byte, float>(weights);
        var infos = Layout.Parameters;
        for (int i = 0; i < parameters.Length; i++)
            source.Slice(infos[i].Offset, infos[i].Count).CopyTo(ParameterSpan(i));
    }

    /// <summary>Copies the parameters out as float32 little-endian bytes.</summary>
    public void ReadWeights(Span<byte> destination)
    {
        CheckLength(destination.Length, "destination");
        var target = MemoryMarshal.Cast<byte, float>(destination);
        var infos = Layout.Parameters;
        for (int i = 0; i < parameters.Length; i++)
            ParameterSpan(i).CopyTo(target.Slice(infos[i].Offset, infos[i].Count));
    }

    /// <summary>Writes <c>global − current parameters</c> as float32 little-endian bytes.</summary>
    public void WritePseudoGradient(ReadOnlySpan<byte> global, Span<byte> destination)
    {
        CheckLength(global.Length, "global weights");
        CheckLength(destination.Length, "pseudo-gradient");
        var start = MemoryMarshal.Cast<byte, float>(global);
        var target = MemoryMarshal.Cast<byte, float>(destination);
        var infos = Layout.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            var info = infos[i];
            TensorPrimitives.Subtract(start.Slice(info.Offset, info.Count), ParameterSpan(i), target.Slice(info.Offset, info.Count));
        }
    }

    /// <summary>Drops accumulated gradients, so the next backward pass starts from none.</summary>
    public void ClearGradients()
    {
        foreach (var p in parameters) p.grad = null;
    }

    /// <summary>
    /// The client optimizer for <paramref name="settings"/> over this replica's parameters, kept while the
    /// settings stay equal so its buffers are allocated once, not per job.
    /// </summary>
    public IClientOptimizer Optimizer(ClientOptimizerSettings settings)
    {
        if (optimizer is null || optimizer.Settings != settings)
        {
            optimizer?.Dispose();
            optimizer = null;
            optimizer = ClientOptimizerRegistry.Create(new ClientOptimizerContext(settings, parameters));
        }
        return optimizer;
    }

    /// <summary>Makes the preallocated batch tensors hold at least <paramref name="batchSize"/> samples.</summary>
    public void EnsureBatchCapacity(int batchSize)
    {
        if (batchSize <= BatchCapacity) return;
        inputs?.Dispose();
        labels?.Dispose();
        var shape = new long[Spec.InputShape.Length + 1];
        shape[0] = batchSize;
        for (int i = 0; i < Spec.InputShape.Length; i++) shape[i + 1] = Spec.InputShape[i];
        // Created outside any dispose scope: these live as long as the replica.
        inputs = empty(shape, ScalarType.Float32);
        labels = empty(batchSize, ScalarType.Int64);
        inputData = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(inputs.bytes));
        labelData = (long*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(labels.bytes));
        BatchCapacity = batchSize;
    }

    /// <summary>Materializes the samples <paramref name="indices"/> of <paramref name="data"/> into the batch buffers.</summary>
    public void FillBatch(Dataset data, ReadOnlySpan<int> indices)
    {
        data.CopySamples(indices, new Span<float>(inputData, BatchCapacity * data.FeatureCount));
        var y = new Span<long>(labelData, BatchCapacity);
        int[] allLabels = data.Labels;
        for (int i = 0; i < indices.Length; i++) y[i] = CheckedLabel(allLabels[indices[i]], data);
    }

    /// <summary>Materializes the contiguous samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) into the batch buffers.</summary>
    public void FillBatch(Dataset data, int start, int count)
    {
        data.CopySamples(start, count, new Span<float>(inputData, BatchCapacity * data.FeatureCount));
        var y = new Span<long>(labelData, BatchCapacity);
        int[] allLabels = data.Labels;
        for (int i = 0; i < count; i++) y[i] = CheckedLabel(allLabels[start + i], data);
    }

    /// <summary>
    /// The first <paramref name="count"/> rows of the batch buffers. A full batch returns the buffers
    /// themselves (never dispose them); a short one returns views owned by the current dispose scope.
    /// </summary>
    public (Tensor Inputs, Tensor Labels) Batch(int count) =>
        count == BatchCapacity ? (inputs!, labels!) : (inputs!.narrow(0, 0, count), labels!.narrow(0, 0, count));

    /// <summary>Checks that a data set's samples fit this model's input.</summary>
    public void CheckData(Dataset data)
    {
        if (data.FeatureCount != Spec.FeatureCount)
            throw new ArgumentException($"data set '{data.Name}' has {data.FeatureCount} features per sample; model {Spec} expects {Spec.FeatureCount}");
    }

    public void Dispose()
    {
        inputs?.Dispose();
        labels?.Dispose();
        optimizer?.Dispose();
        Module.Dispose();
    }

    private Span<float> ParameterSpan(int i) => new((void*)parameterData[i], Layout.Parameters[i].Count);

    private long CheckedLabel(int label, Dataset data)
    {
        if ((uint)label >= (uint)Spec.ClassCount)
            throw new ArgumentException($"data set '{data.Name}' has label {label}, outside [0, {Spec.ClassCount}) of model {Spec}");
        return label;
    }

    private void CheckLength(int byteCount, string what)
    {
        if (byteCount != Layout.ByteCount)
            throw new ArgumentException($"{what}: {byteCount} bytes, but model {Spec} has {Layout.ParameterCount} parameters ({Layout.ByteCount} bytes)");
    }
}
