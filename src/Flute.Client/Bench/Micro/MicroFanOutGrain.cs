namespace Flute.Client.Bench.Micro;

/// <summary>Drives a windowed fan-out of echo calls on its own grain scheduler, like <c>ExperimentGrain</c>.</summary>
public sealed class MicroFanOutGrain : Grain, IMicroFanOutGrain
{
    public async Task FanOutAsync(long first, int count, int window, bool deactivate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        long end = first + count;
        // The workers interleave on this grain's single-threaded scheduler, so a plain counter is safe.
        long next = first;
        var workers = new Task[Math.Min(window, count)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Worker();
        }
        await Task.WhenAll(workers);

        async Task Worker()
        {
            while (next < end)
            {
                var grain = GrainFactory.GetGrain<IMicroEchoGrain>(next++);
                byte[] reply = await (deactivate ? grain.EchoAsync() : grain.PingAsync());
                if (reply.Length == 0) throw new InvalidOperationException("empty echo");
            }
        }
    }
}
