using System.Reflection;
using System.Runtime.CompilerServices;
using Flute.Grains.Torch;

namespace Flute.Client.Bench.Micro;

/// <summary>
/// Reaches the trainer pool's internal work queue and a replica's weight copies from the CLI assembly.
/// Flute.Grains grants its internals to "Flute.Client", but this assembly is named "flute", so the
/// benchmarks call the very same code through unsafe accessors (direct calls, no reflection per copy)
/// and one reflected <c>RunAsync</c> call per trainer hop.
/// </summary>
internal static class TrainerBridge
{
    private const string ContextType = "Flute.Grains.Torch.TrainerContext, Flute.Grains";
    private const string ReplicaType = "Flute.Grains.Torch.ModelReplica, Flute.Grains";

    private static readonly MethodInfo RunAsyncOfInt = typeof(TrainerPool)
        .GetMethod("RunAsync", BindingFlags.Instance | BindingFlags.NonPublic)!
        .MakeGenericMethod(typeof(int));

    private static readonly Type WorkType = RunAsyncOfInt.GetParameters()[0].ParameterType;

    /// <summary>Turns <paramref name="work"/> (given the trainer's context) into trainer work; make it once, run it often.</summary>
    public static Delegate Work(Func<object, int> work) =>
        // Binds as Func<TrainerContext, int>: a delegate may take a wider reference type than it is given.
        Delegate.CreateDelegate(WorkType, work.Target, work.Method);

    /// <summary>Runs <paramref name="work"/> (from <see cref="Work"/>) on a trainer thread.</summary>
    public static Task<int> RunAsync(TrainerPool pool, Delegate work) => (Task<int>)RunAsyncOfInt.Invoke(pool, [work])!;

    /// <summary>The trainer's replica of <paramref name="spec"/>, built on first use.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Replica")]
    [return: UnsafeAccessorType(ReplicaType)]
    public static extern object Replica([UnsafeAccessorType(ContextType)] object context, ModelSpec spec);

    /// <summary><c>ModelReplica.LoadWeights</c>: memcpy into the parameters' storage.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "LoadWeights")]
    public static extern void LoadWeights([UnsafeAccessorType(ReplicaType)] object replica, ReadOnlySpan<byte> weights);

    /// <summary><c>ModelReplica.ReadWeights</c>: memcpy out of the parameters' storage.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "ReadWeights")]
    public static extern void ReadWeights([UnsafeAccessorType(ReplicaType)] object replica, Span<byte> destination);
}
