using Flute.Grains.Runtime;

namespace Flute.Grains.Tests.Runtime;

public sealed class ClientActivityTests
{
    [Fact]
    public void Alive_client_grains_are_counted_per_experiment_so_two_experiments_on_one_silo_do_not_mix()
    {
        // Arrange: two experiments' clients on the same silo.
        var activity = new ClientActivity();

        // Act: three of "a" and one of "b" activated, then two of "a" deactivated.
        activity.OnActivated("a");
        activity.OnActivated("a");
        activity.OnActivated("a");
        activity.OnActivated("b");
        activity.OnDeactivated("a");
        activity.OnDeactivated("a");

        // Assert: "a" 3 − 2 = 1 alive, "b" 1; the silo 4 − 2 = 2 alive of 4 ever activated.
        Assert.Equal(1, activity.AliveOf("a"));
        Assert.Equal(1, activity.AliveOf("b"));
        Assert.Equal(0, activity.AliveOf("never-seen"));
        Assert.Equal(2, activity.Alive);
        Assert.Equal(4, activity.Activated);
    }
}
