using System.Runtime.InteropServices;
using Flute.Core.Aggregation;
using Flute.Core.Attacks;
using Flute.Core.Codecs;
using Flute.Core.Data;
using Flute.Core.Randomness;
using Flute.Core.Schedules;
using Flute.Core.Strategies;
using Flute.Core.UpdatePipeline;
using Flute.Grains.Placement;
using Flute.Grains.Runtime;
using Flute.Grains.Storage;
using Flute.Grains.Torch;
using Flute.Grains.Torch.Optimizers;
using Flute.Interfaces;
using Microsoft.Extensions.DependencyInjection;

namespace Flute.Grains.Grains;

/// <summary>
/// A simulated client. It owns nothing but its identity: its data shard is an index list in the
/// silo's experiment context, the weights come from the silo's model cache, and the training runs
/// on the silo's trainer pool. It deactivates right after answering, so only sampled clients are
/// ever in memory.
/// </summary>
[CapacityPlacement]
public sealed class ClientGrain(
    ExperimentContextCache contexts,
    ModelCache models,
    TrainerPool trainers,
    PayloadBufferPool payloads,
    ClientActivity activity,
    PartialAggregates partials,
    ILocalSiloDetails silo) : Grain, IClientGrain
{
    private bool _fresh;

    private string ExperimentId
    {
        get
        {
            this.GetPrimaryKeyLong(out string? experimentId);
            return experimentId ?? "";
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activity.OnActivated(ExperimentId);
        _fresh = true;
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        activity.OnDeactivated(ExperimentId);
        return Task.CompletedTask;
    }

    public async Task<TrainResult> TrainAsync(TrainRequest request)
    {
        bool activated = _fresh;
        _fresh = false;
        TrainResult result = await TrainCoreAsync(request);
        if (request.FoldOnSilo && result.Payload is { } payload)
        {
            // A weighted-sum strategy: fold here, into this silo's partial aggregate, and send back
            // only the receipt; the experiment grain collects one partial per silo.
            ExperimentContext context = await contexts.GetAsync(request.ExperimentId, GrainFactory);
            try
            {
                FoldStatus status = partials.Fold(request.ExperimentId, request.Round, request.ModelVersion, result.ClientId, payload, context.Strategy,
                                                  context.Strategy.UpdateLength(context.Layout.ParameterCount), result.Clipped);
                result = result with
                {
                    Payload = null,
                    FoldedOn = status == FoldStatus.Folded ? silo.SiloAddress.ToParsableString() : null,
                    Rejected = status == FoldStatus.Folded ? null : status.ToString(),
                };
            }
            finally
            {
                payloads.Return(payload);
            }
        }
        return result with { Activated = activated };
    }

    public async Task<ClientEvaluationResult> EvaluateAsync(ClientEvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long clientId = this.GetPrimaryKeyLong(out string? experimentId);
        DeactivateOnIdle();
        if (experimentId != request.ExperimentId)
            throw new ArgumentException($"client {clientId} of experiment '{experimentId}' got an evaluation request for '{request.ExperimentId}'");
        ExperimentContext context = await contexts.GetAsync(request.ExperimentId, GrainFactory);
        if (clientId < 0 || clientId >= context.Data.Population)
            throw new ArgumentOutOfRangeException(nameof(request), $"client {clientId} is outside the population of {context.Data.Population}");
        byte[] version = await models.GetAsync(request.ExperimentId, request.ModelVersion, GrainFactory);
        return await PersonalizedEvaluation.RunAsync(trainers, context, clientId, version, request);
    }

    private async Task<TrainResult> TrainCoreAsync(TrainRequest request)
    {
        long clientId = this.GetPrimaryKeyLong(out string? experimentId);
        DeactivateOnIdle();
        if (experimentId != request.ExperimentId)
            throw new ArgumentException($"client {clientId} of experiment '{experimentId}' got a request for '{request.ExperimentId}'");

        ExperimentContext context = await contexts.GetAsync(request.ExperimentId, GrainFactory);
        if (clientId < 0 || clientId >= context.Data.Population)
            throw new ArgumentOutOfRangeException(nameof(request), $"client {clientId} is outside the population of {context.Data.Population}");
        var client = context.Config.Client;
        bool zeroStep = client.LocalEpochs == 0;
        // The sample count alone is cheap; a lazy data set generates the samples only to train on them.
        int samples = context.Data.SampleCount(clientId);
        if (samples == 0) return new TrainResult(clientId, 0, 0, null);

        byte[] version = await models.GetAsync(request.ExperimentId, request.ModelVersion, GrainFactory);
        int weightBytes = context.Layout.ByteCount;
        // A version is [weights ‖ the strategy's version state] (ModelServer).
        ReadOnlyMemory<byte> weights = version.AsMemory(0, weightBytes);
        int updateValues = context.Strategy.UpdateLength(context.Layout.ParameterCount);
        int updateBytes = updateValues * sizeof(float);
        // float32 (the default) trains straight into the payload; any other codec trains into a pooled
        // float32 scratch buffer and encodes it into the payload at the end.
        IUpdateCodec codec = context.Codec;
        // Secure aggregation: train into the scratch buffer too, and send masked fixed-point integers.
        PairwiseMasks? masks = request.MaskCohort is { } maskCohort ? new PairwiseMasks(request.Seed, request.Round, maskCohort) : null;
        bool encoded = codec is not Float32Codec || masks is not null;
        int dataBytes = masks is not null ? updateValues * sizeof(long) : encoded ? codec.EncodedSize(updateValues) : updateBytes;
        ClientInstructions? instructions = request.Instructions is { } i
            ? new ClientInstructions(ProximalMu: i.ProximalMu, ControlVariates: i.ControlVariates, ClipNorm: i.ClipNorm)
            : null;
        bool controlVariates = instructions?.ControlVariates == true && !zeroStep;
        float[] clientControl = controlVariates ? await ReadClientControlAsync(request, clientId, context) : [];
        var header = new PayloadHeader(request.ExperimentId, request.Round, request.ModelVersion, clientId, 0, 0, masks is null ? codec.Name : PairwiseMasks.CodecName);
        byte[] payload = payloads.Rent(PseudoGradientPayload.SizeOf(header, dataBytes));
        byte[]? scratch = encoded ? payloads.Rent(updateBytes) : null;
        try
        {
            Memory<byte> data = PseudoGradientPayload.Write(payload, header, dataBytes);
            Memory<byte> update = scratch ?? data;
            if (zeroStep)
            {
                // client.local_epochs 0: the whole orchestration path (activation, model cache,
                // payload, fold) with no SGD step — what bench scale measures. The update is zero.
                update.Span.Clear();
                ApplyAttack(request, clientId, update.Span);
                if (masks is null) await EncodeAsync(codec, scratch, data, request, clientId);
                int used = client.MaxSamples > 0 ? Math.Min(samples, client.MaxSamples) : samples;
                PseudoGradientPayload.Write(payload, header with { SampleCount = used, Loss = 0 }, dataBytes);
                return masks is null ? new TrainResult(clientId, used, 0, payload) : MaskOrReject(masks, payload, scratch!, data.Span, context, clientId);
            }
            ClientShard shard = context.Data.Shard(clientId);
            double lr = LearningRateSchedule.ForClient(context.Config).At(request.Round);
            float[] correction = [];
            if (controlVariates)
            {
                correction = new float[context.Layout.ParameterCount];
                Scaffold.GradientCorrection(ServerControl(version, weightBytes), clientControl, correction);
            }
            var job = new TrainJob(
                context.Model, weights, shard.Data, shard.Indices,
                new TrainSettings(lr, client.BatchSize, client.LocalEpochs,
                                  client.MaxSamples, ClientOptimizerSettings.From(client), client.MaxGradNorm),
                DeterministicRandom.DeriveKey(request.Seed, StreamPurpose.DataOrder, request.Round, clientId),
                update[..weightBytes])
            {
                Instructions = instructions,
                GradientCorrection = correction,
            };
            TrainOutcome outcome = await trainers.TrainAsync(job);
            if (controlVariates)
            {
                float[] next = NextClientControl(update.Span, weightBytes, ServerControl(version, weightBytes), clientControl, outcome.Steps, lr);
                // Versioned by round: a re-run of this round (after a crash) never reads this write.
                await ClientStates.WriteAsync(request.ExperimentId, clientId, ClientStateSlots.ControlVariate, request.Round, MemoryMarshal.AsBytes(next.AsSpan()).ToArray());
            }
            // DP-FedAvg's clip, then client.update_steps (clip, local DP, ...); a simulated attacker manipulates
            // after. Whether the instructed clip had to scale the update is what adaptive clipping counts.
            bool clipped = context.UpdateSteps.Apply(MemoryMarshal.Cast<byte, float>(update.Span), new UpdateStepContext(request.Seed, request.Round, clientId),
                                                     instructions?.ClipNorm ?? 0);
            ApplyAttack(request, clientId, update.Span);
            if (masks is null) await EncodeAsync(codec, scratch, data, request, clientId);
            // Fixed-width header fields: rewriting it with the outcome leaves the data region in place.
            PseudoGradientPayload.Write(payload, header with { SampleCount = outcome.SampleCount, Loss = outcome.MeanLoss }, dataBytes);
            return masks is null
                ? new TrainResult(clientId, outcome.SampleCount, outcome.MeanLoss, payload) { Clipped = clipped }
                : MaskOrReject(masks, payload, scratch!, data.Span, context, clientId) with { Clipped = clipped };
        }
        catch
        {
            payloads.Return(payload);
            throw;
        }
        finally
        {
            if (scratch is not null) payloads.Return(scratch);
        }
    }

    /// <summary>
    /// Secure aggregation: weighs the float32 update in <paramref name="scratch"/> as the fold would
    /// (the strategy's weight of the header just written), converts it to the fold's fixed-point
    /// integers and masks them into the payload. An update the fold would reject (NaN/Inf, out of
    /// range, bad weight) is not sent: the reply names the reason, and the server removes its masks.
    /// </summary>
    private TrainResult MaskOrReject(PairwiseMasks masks, byte[] payload, byte[] scratch, Span<byte> data, ExperimentContext context, long clientId)
    {
        PayloadHeader written = PseudoGradientPayload.Read(payload, out _);
        double weight = context.Strategy.ClientWeight(new ClientUpdateInfo(written.SampleCount, written.Loss));
        FoldStatus status = masks.TryWriteMasked(MemoryMarshal.Cast<byte, float>(scratch.AsSpan()), weight, data, clientId);
        if (status == FoldStatus.Folded) return new TrainResult(clientId, written.SampleCount, written.Loss, payload);
        payloads.Return(payload);
        return new TrainResult(clientId, written.SampleCount, written.Loss, null) { Rejected = status.ToString() };
    }

    /// <summary>
    /// Encodes the float32 update in <paramref name="scratch"/> into the payload's data region with a
    /// non-float32 codec (a no-op for float32, whose update already is the data). Stochastic rounding
    /// draws from the client's own (seed, round, client) stream, so a re-run encodes the same bits. A codec
    /// with error feedback (topk) first adds the client's residual from before this round and stores what
    /// it did not send as this round's residual (versioned by round: a re-run of this round never reads it).
    /// </summary>
    private async Task EncodeAsync(IUpdateCodec codec, byte[]? scratch, Memory<byte> data, TrainRequest request, long clientId)
    {
        if (scratch is null) return;
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Encoding float32 updates needs a little-endian machine.");
        var random = DeterministicRandom.For(request.Seed, StreamPurpose.QuantizationRounding, request.Round, clientId);
        if (codec is not IErrorFeedbackCodec)
        {
            codec.Encode(MemoryMarshal.Cast<byte, float>(scratch.AsSpan()), data.Span, random);
            return;
        }
        byte[]? residual = await ClientStates.ReadAsync(request.ExperimentId, clientId, ClientStateSlots.Residual, request.Round);
        if (residual is not null && residual.Length != scratch.Length)
            throw new InvalidDataException($"client {clientId} of experiment '{request.ExperimentId}': its stored residual has {residual.Length} bytes; the update has {scratch.Length}");
        var next = new byte[scratch.Length];
        ErrorFeedback.Encode(codec, MemoryMarshal.Cast<byte, float>(scratch.AsSpan()), MemoryMarshal.Cast<byte, float>(residual.AsSpan()),
                             data.Span, MemoryMarshal.Cast<byte, float>(next.AsSpan()), random);
        await ClientStates.WriteAsync(request.ExperimentId, clientId, ClientStateSlots.Residual, request.Round, next);
    }

    /// <summary>
    /// A simulated attacker manipulates its pseudo-gradient here, before the update is folded on the silo
    /// or returned, so every aggregator sees the manipulated update. Gaussian noise comes from the
    /// attacker's own stream of (seed, round, client).
    /// </summary>
    private static void ApplyAttack(TrainRequest request, long clientId, Span<byte> data)
    {
        if (request.Attack is not { } attack) return;
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Manipulating float32 payloads needs a little-endian machine.");
        AttackType type = AttackOptions.ParseType(attack.Type);
        DeterministicRandom? noise = type == AttackType.Gaussian ? UpdateAttack.NoiseStream(request.Seed, request.Round, clientId) : null;
        UpdateAttack.Apply(type, MemoryMarshal.Cast<byte, float>(data), attack.Scale, noise);
    }

    private IClientStateStore ClientStates =>
        ServiceProvider.GetService<IClientStateStore>()
        ?? throw new InvalidOperationException("SCAFFOLD and error-feedback codecs need the client state store, and this silo has none (AddFluteStorage registers it)");

    /// <summary>c_i: the newest control variate this client wrote before this round, or empty (zero) if it never trained.</summary>
    private async Task<float[]> ReadClientControlAsync(TrainRequest request, long clientId, ExperimentContext context)
    {
        byte[]? stored = await ClientStates.ReadAsync(request.ExperimentId, clientId, ClientStateSlots.ControlVariate, request.Round);
        if (stored is null) return [];
        if (stored.Length != context.Layout.ByteCount)
            throw new InvalidDataException($"client {clientId} of experiment '{request.ExperimentId}': its stored control variate has {stored.Length} bytes; the model has {context.Layout.ByteCount}");
        return MemoryMarshal.Cast<byte, float>(stored).ToArray();
    }

    /// <summary>c, published after the weights of the version (empty = zero, before any round was aggregated).</summary>
    private static ReadOnlySpan<float> ServerControl(byte[] version, int weightBytes)
    {
        int extra = version.Length - weightBytes;
        if (extra != 0 && extra != weightBytes)
            throw new InvalidDataException($"model version of {version.Length} bytes: neither the weights ({weightBytes} bytes) nor the weights with SCAFFOLD's control variate");
        return MemoryMarshal.Cast<byte, float>(version.AsSpan(weightBytes));
    }

    /// <summary>Writes Δc_i after the pseudo-gradient in the payload's data region and returns c_i⁺ = c_i + Δc_i.</summary>
    private static float[] NextClientControl(Span<byte> data, int weightBytes, ReadOnlySpan<float> serverControl, float[] clientControl, int steps, double lr)
    {
        if (data.Length != 2 * weightBytes)
            throw new InvalidOperationException($"SCAFFOLD's update holds [pseudo-gradient ‖ Δc]: {2 * weightBytes} bytes, but the strategy declared {data.Length}");
        ReadOnlySpan<float> pseudoGradient = MemoryMarshal.Cast<byte, float>(data[..weightBytes]);
        Span<float> delta = MemoryMarshal.Cast<byte, float>(data[weightBytes..]);
        Scaffold.ClientControlDelta(pseudoGradient, serverControl, steps, lr, delta);
        var next = new float[delta.Length];
        Scaffold.NextClientControl(clientControl, delta, next);
        return next;
    }
}
