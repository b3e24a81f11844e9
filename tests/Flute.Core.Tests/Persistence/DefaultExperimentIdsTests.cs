using Flute.Core.Persistence;

namespace Flute.Core.Tests.Persistence;

public sealed class DefaultExperimentIdsTests
{
    private static readonly DateTime Instant = new(2026, 12, 5, 16, 24, 27, 123, DateTimeKind.Local);

    [Fact]
    public void Two_ids_generated_at_the_same_instant_in_one_process_differ()
    {
        // Arrange: a clock that never moves.
        var ids = new DefaultExperimentIds(() => Instant, processId: 4711);

        // Act
        string first = ids.Next("mnist-lr");
        string second = ids.Next("mnist-lr");

        // Assert
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Two_processes_starting_the_same_config_at_the_same_instant_get_different_ids()
    {
        // Arrange: two `flute run` of one config, started in the same millisecond.
        var one = new DefaultExperimentIds(() => Instant, processId: 4711);
        var other = new DefaultExperimentIds(() => Instant, processId: 4712);

        // Act
        string a = one.Next("mnist-lr");
        string b = other.Next("mnist-lr");

        // Assert
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void An_id_reads_as_name_local_time_to_the_millisecond_and_process()
    {
        // Arrange
        var ids = new DefaultExperimentIds(() => Instant, processId: 4711);

        // Act
        string id = ids.Next("mnist-lr");

        // Assert
        Assert.Equal("mnist-lr-20261205-162427-123-4711", id);
    }

    [Fact]
    public void Ids_keep_the_id_rules_even_for_the_longest_name_and_process_id()
    {
        // Arrange: experiment.name allows 64 characters; a process id is at most int.MaxValue.
        string longest = new('n', 64);
        var ids = new DefaultExperimentIds(() => Instant, processId: int.MaxValue);

        // Act
        string id = ids.Next(longest);

        // Assert: 64 + "-20261205-162427-123-" (21) + 10 digits = 95 characters.
        Assert.Equal(95, id.Length);
        Assert.True(ExperimentId.IsValid(id), id);
    }

    [Fact]
    public void Ids_of_one_name_sort_by_start_time()
    {
        // Arrange: starts 1 ms, 1 s and 1 day apart, from processes whose ids sort the other way.
        DateTime[] starts = [Instant, Instant.AddMilliseconds(1), Instant.AddSeconds(1), Instant.AddDays(1)];
        int[] processes = [900, 80, 7, 1_000_000];

        // Act
        string[] ids = [.. starts.Select((start, i) => new DefaultExperimentIds(() => start, processes[i]).Next("lr"))];

        // Assert
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_clock_that_stands_still_or_steps_back_still_gives_increasing_ids()
    {
        // Arrange: the same instant twice, then a step back (an NTP correction).
        var times = new Queue<DateTime>([Instant, Instant, Instant.AddSeconds(-5)]);
        var ids = new DefaultExperimentIds(() => times.Dequeue(), processId: 42);

        // Act
        string[] generated = [ids.Next("lr"), ids.Next("lr"), ids.Next("lr")];

        // Assert: each later id is the previous millisecond plus one.
        Assert.Equal(["lr-20261205-162427-123-42", "lr-20261205-162427-124-42", "lr-20261205-162427-125-42"], generated);
    }

    [Theory]
    [InlineData("mnist-lr-20261205-162427-123-4711", true)]
    [InlineData("a", true)]
    [InlineData("_x.y", true)]
    [InlineData(".hidden", false)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("trailing-newline\n", false)]
    public void The_id_rule_accepts_the_safe_alphabet_only(string id, bool valid)
    {
        // Act and assert
        Assert.Equal(valid, ExperimentId.IsValid(id));
    }

    [Fact]
    public void The_id_rule_caps_the_length_at_128()
    {
        // Act and assert
        Assert.True(ExperimentId.IsValid(new string('a', 128)));
        Assert.False(ExperimentId.IsValid(new string('a', 129)));
    }
}
