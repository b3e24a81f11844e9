namespace Flute.Client.Dashboard;

/// <summary>The experiments this process watches (one for run and resume, several for a sweep), in the order they started.</summary>
public sealed class ExperimentBoard
{
    private readonly Lock _lock = new();
    private readonly List<ExperimentFeed> _feeds = [];

    /// <summary>Starts showing an experiment; an experiment shown before under the same id is replaced.</summary>
    public ExperimentFeed Open(string id, string name, int totalRounds)
    {
        var feed = new ExperimentFeed(id, name, totalRounds);
        lock (_lock)
        {
            _feeds.RemoveAll(f => f.Id == id);
            _feeds.Add(feed);
        }
        return feed;
    }

    /// <summary>The experiments, oldest first.</summary>
    public IReadOnlyList<ExperimentFeed> Feeds
    {
        get { lock (_lock) return [.. _feeds]; }
    }

    /// <summary>The experiment with this id, or null.</summary>
    public ExperimentFeed? Find(string id)
    {
        lock (_lock) return _feeds.Find(f => f.Id == id);
    }
}
