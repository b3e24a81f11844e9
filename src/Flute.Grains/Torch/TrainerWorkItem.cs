using TorchSharp;

namespace Flute.Grains.Torch;

/// <summary>A queued piece of trainer work.</summary>
internal abstract class TrainerWorkItem
{
    public abstract void Execute(TrainerContext context, int threads);
}

/// <summary>
/// Work with a result. Continuations run asynchronously so that the awaiting caller never resumes on
/// (and blocks) a trainer thread.
/// </summary>
internal sealed class TrainerWorkItem<T>(Func<TrainerContext, T> work) : TrainerWorkItem
{
    private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => completion.Task;

    public override void Execute(TrainerContext context, int threads)
    {
        try
        {
            // Per OS thread, and a new thread inherits whatever any thread set last (DESIGN.md).
            torch.set_num_threads(threads);
            completion.SetResult(work(context));
        }
        catch (Exception e)
        {
            completion.SetException(e);
        }
    }
}
