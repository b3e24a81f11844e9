using System.Runtime.InteropServices;

namespace Flute.Core.Strategies;

/// <summary>
/// SCAFFOLD with option II control variates: client i keeps c_i and the server keeps c (both zero at
/// first); every local gradient is corrected g ← g − c_i + c, and after K local steps at rate η the
/// client sets c_i⁺ = c_i − c + (x − y_i)/(K·η) and sends its pseudo-gradient x − y_i followed by
/// Δc_i = c_i⁺ − c_i. The server steps with the mean pseudo-gradient (through the server optimizer) and
/// sets c ← c + (|S|/N)·mean(Δc_i), N the population. Karimireddy, Kale, Mohri, Reddi, Stich and Suresh,
/// "SCAFFOLD: Stochastic Controlled Averaging for Federated Learning", ICML 2020, arXiv:1910.06378.
/// </summary>
/// <remarks>
/// Updates are averaged uniformly (every client weighs 1), as in the paper, rather than by sample count
/// as <see cref="FedAvg"/> does: only the uniform mean keeps c the mean of all clients' c_i, which is
/// what the correction relies on. A client update is [pseudo-gradient ‖ Δc_i] (2 × parameters), so
/// one fixed-point sum — on the server or in a silo's partial — carries both halves exactly. c_i lives
/// in the per-client state store, c in this strategy's checkpoint state and in every published model
/// version (<see cref="VersionState"/>).
/// </remarks>
public sealed class Scaffold : WeightedSumStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "scaffold";

    private static readonly ClientInstructions s_instructions = new(ControlVariates: true);

    private float[] _control = [];

    /// <summary>SCAFFOLD over a population of <paramref name="population"/> clients (N in c's update).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The population is below 1.</exception>
    public Scaffold(long population)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(population, 1);
        Population = population;
    }

    /// <summary>N, the number of clients c averages over.</summary>
    public long Population { get; }

    /// <inheritdoc />
    public override string Name => StrategyName;

    /// <summary>The server control variate c (empty until the first round that aggregated updates: zero).</summary>
    public ReadOnlySpan<float> Control => _control;

    /// <inheritdoc />
    public override ReadOnlyMemory<float> VersionState => _control;

    /// <summary>Every client weighs 1 (the paper's uniform mean); a constant, so concurrent silo folds may call it.</summary>
    public override double ClientWeight(in ClientUpdateInfo info) => 1;

    /// <inheritdoc />
    public override ClientInstructions ConfigureRound(int round) => s_instructions;

    /// <summary>[pseudo-gradient ‖ Δc_i]: twice the parameters.</summary>
    public override int UpdateLength(int parameters) => checked(2 * parameters);

    /// <summary>c ← c + (|S|/N)·mean(Δc_i), from the second half of the aggregated update.</summary>
    /// <exception cref="ArgumentException">The update is not [pseudo-gradient ‖ Δc] of the size c has.</exception>
    public override void FinishUpdate(int round, int clients, Span<float> update)
    {
        if (update.Length % 2 != 0) throw new ArgumentException($"a SCAFFOLD update holds [pseudo-gradient ‖ Δc]: an even length, not {update.Length}", nameof(update));
        int parameters = update.Length / 2;
        if (_control.Length == 0) _control = new float[parameters];
        if (_control.Length != parameters)
            throw new ArgumentException($"the control variate has {_control.Length} values; the update carries {parameters}", nameof(update));
        ArgumentOutOfRangeException.ThrowIfNegative(clients);
        UpdateServerControl(_control, update[parameters..], clients, Population);
    }

    /// <summary>c as float32 little-endian bytes, or null while it is still zero (no round aggregated yet).</summary>
    public override byte[]? ExportState() => _control.Length == 0 ? null : MemoryMarshal.AsBytes(_control.AsSpan()).ToArray();

    /// <inheritdoc />
    public override void ImportState(byte[]? state)
    {
        if (state is null)
        {
            _control = [];
            return;
        }
        if (state.Length % sizeof(float) != 0)
            throw new ArgumentException($"strategy '{Name}': the checkpoint's control variate has {state.Length} bytes, not a whole number of float32 values", nameof(state));
        _control = MemoryMarshal.Cast<byte, float>(state).ToArray();
    }

    /// <summary>
    /// The client's side, option II: Δc_i = c_i⁺ − c_i = −c + (x − y_i)/(K·η), written into
    /// <paramref name="delta"/> from the pseudo-gradient x − y_i after <paramref name="steps"/> steps at
    /// rate <paramref name="lr"/>. An empty <paramref name="serverControl"/> is c = 0.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No step was taken, or the rate is not positive.</exception>
    public static void ClientControlDelta(ReadOnlySpan<float> pseudoGradient, ReadOnlySpan<float> serverControl, int steps, double lr, Span<float> delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!(lr > 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be positive and finite");
        if (delta.Length != pseudoGradient.Length || (serverControl.Length != 0 && serverControl.Length != pseudoGradient.Length))
            throw new ArgumentException("pseudo-gradient, server control variate and Δc must have the same length");
        double scale = 1.0 / (steps * lr);
        if (serverControl.IsEmpty)
        {
            for (int i = 0; i < delta.Length; i++) delta[i] = (float)(pseudoGradient[i] * scale);
        }
        else
        {
            for (int i = 0; i < delta.Length; i++) delta[i] = (float)(pseudoGradient[i] * scale - serverControl[i]);
        }
    }

    /// <summary>c_i⁺ = c_i + Δc_i into <paramref name="next"/>; an empty <paramref name="clientControl"/> is c_i = 0.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void NextClientControl(ReadOnlySpan<float> clientControl, ReadOnlySpan<float> delta, Span<float> next)
    {
        if (next.Length != delta.Length || (clientControl.Length != 0 && clientControl.Length != delta.Length))
            throw new ArgumentException("client control variate, Δc and the result must have the same length");
        if (clientControl.IsEmpty) delta.CopyTo(next);
        else for (int i = 0; i < next.Length; i++) next[i] = clientControl[i] + delta[i];
    }

    /// <summary>The gradient correction c − c_i into <paramref name="correction"/>; an empty span is a zero vector.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void GradientCorrection(ReadOnlySpan<float> serverControl, ReadOnlySpan<float> clientControl, Span<float> correction)
    {
        if ((serverControl.Length != 0 && serverControl.Length != correction.Length) || (clientControl.Length != 0 && clientControl.Length != correction.Length))
            throw new ArgumentException("control variates and the correction must have the same length");
        for (int i = 0; i < correction.Length; i++)
            correction[i] = (serverControl.IsEmpty ? 0f : serverControl[i]) - (clientControl.IsEmpty ? 0f : clientControl[i]);
    }

    /// <summary>The server's side: c ← c + (|S|/N)·mean(Δc_i), in place.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void UpdateServerControl(Span<float> control, ReadOnlySpan<float> meanDelta, int clients, long population)
    {
        if (control.Length != meanDelta.Length) throw new ArgumentException("the control variate and mean Δc must have the same length");
        double fraction = (double)clients / population;
        for (int i = 0; i < control.Length; i++) control[i] = (float)(control[i] + fraction * meanDelta[i]);
    }
}
