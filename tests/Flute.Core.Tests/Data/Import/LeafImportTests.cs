using System.Globalization;
using System.Text;
using Flute.Core.Data;
using Flute.Core.Data.Import;
using Flute.Core.Data.Partitioned;

namespace Flute.Core.Tests.Data.Import;

public sealed class LeafImportTests : ImportFolder
{
    /// <summary>One user's LEAF entry: samples with 3 features each, feature j of sample s = first + s + j/10, label (first + s) % 4.</summary>
    private static string User(string name, int first, int count)
    {
        var rows = Enumerable.Range(0, count).Select(s => "[" + string.Join(",", Enumerable.Range(0, 3).Select(j => (first + s + j / 10.0).ToString(CultureInfo.InvariantCulture))) + "]");
        var labels = Enumerable.Range(0, count).Select(s => ((first + s) % 4).ToString(CultureInfo.InvariantCulture));
        return $"\"{name}\": {{\"x\": [{string.Join(",", rows)}], \"y\": [{string.Join(",", labels)}]}}";
    }

    private static string Leaf(params (string Name, int First, int Count)[] users) =>
        $"{{\"users\": [{string.Join(",", users.Select(u => $"\"{u.Name}\""))}], \"num_samples\": [{string.Join(",", users.Select(u => u.Count))}], " +
        $"\"hierarchies\": [], \"user_data\": {{{string.Join(",", users.Select(u => User(u.Name, u.First, u.Count)))}}}}}";

    [Fact]
    public void Users_of_uneven_sizes_become_clients_with_their_own_train_and_test_splits()
    {
        // Arrange: two train files (3 users of 5, 1 and 2 samples), one test file with 2 of them and a test-only user.
        string train1 = Write("train1.json", Leaf(("u1", 0, 5), ("u2", 10, 1)));
        string train2 = Write("train2.json", Leaf(("u3", 20, 2)));
        string test = Write("test.json", Leaf(("u3", 30, 1), ("u1", 40, 2), ("stranger", 50, 1)));

        // Act
        ImportSummary summary = FederatedImport.Run(ImportFormat.Leaf, [train1, train2], [test], Output, shape: null, classes: 0);

        // Assert: clients in file order, each with exactly its samples; the test set is every test block.
        Assert.Equal((3, 8L, 4L, 1), (summary.Clients, summary.TrainSamples, summary.TestSamples, summary.TestOnlyUsers));
        Assert.Equal([3], summary.SampleShape);
        Assert.Equal(4, summary.ClassCount); // labels 0..3
        using var file = PartitionedFile.Open(Output);
        Assert.True(file.HasClientTests);
        Assert.Equal([5, 1, 2], new[] { file.SampleCount(0), file.SampleCount(1), file.SampleCount(2) });
        Dataset u2 = file.ReadClient(1);
        Assert.Equal([10, 10.1f, 10.2f], Floats(u2));
        Assert.Equal([2], u2.Labels); // 10 % 4
        Assert.Equal([40, 40.1f, 40.2f, 41, 41.1f, 41.2f], Floats(file.ReadClientTest(0)));
        Assert.Equal(0, file.ReadClientTest(1).Count); // u2 has no test data
        Assert.Equal([30, 30.1f, 30.2f], Floats(file.ReadClientTest(2)));
        Dataset all = file.ReadTest();
        Assert.Equal([40 % 4, 41 % 4, 30 % 4, 50 % 4], all.Labels); // clients' test blocks in client order, then the test-only user

        // A run over the file evaluates each client on its own test block (server.client_eval).
        FederatedData data = file.ToFederatedData();
        Assert.True(data.HasClientTests);
        Assert.Equal([40, 40.1f, 40.2f, 41, 41.1f, 41.2f], Floats(data.ClientTest(0).Data.Select("t0", data.ClientTest(0).Indices)));
        Assert.Empty(data.ClientTest(1).Indices);
        Assert.Equal(5, data.Shard(0).Indices.Length);   // the training block is untouched
    }

    [Fact]
    public void A_user_larger_than_the_read_buffer_is_read_exactly_across_refills()
    {
        // ~3 MB of JSON: the 1 MiB buffer refills inside rows and inside numbers.
        string train = Write("big.json", Leaf(("a", 0, 40_000), ("b", 7, 30_000)));
        string test = Write("t.json", Leaf(("a", 1, 1)));

        FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, shape: [1, 3], classes: 10);

        using var file = PartitionedFile.Open(Output);
        Assert.Equal([1, 3], file.SampleShape);
        Assert.Equal(10, file.ClassCount);
        Dataset b = file.ReadClient(1);
        Assert.Equal(30_000, b.Count);
        var row = new float[3];
        b.CopySample(29_999, row);
        Assert.Equal([30_006, 30_006.1f, 30_006.2f], row);
        Assert.Equal(30_006 % 4, b.Labels[29_999]);
    }

    [Theory]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [1], \"user_data\": {\"u1\": {\"x\": [[1,2]], \"y\": [0]}", "invalid JSON")]
    [InlineData("{\"users\": [\"u1\", \"u2\"], \"num_samples\": [1, 1], \"user_data\": {\"u1\": {\"x\": [[1,2]], \"y\": [0]}}}", "user 'u2' is in 'users' but missing from 'user_data'")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [3], \"user_data\": {\"u1\": {\"x\": [[1,2]], \"y\": [0]}}}", "user 'u1': num_samples says 3 but user_data has 1 samples")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [2], \"user_data\": {\"u1\": {\"x\": [[1,2],[3]], \"y\": [0,1]}}}", "user 'u1', sample 1: ragged row of 1 features, sample 0 has 2")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [2], \"user_data\": {\"u1\": {\"x\": [[1,2],[3,4]], \"y\": [0]}}}", "user 'u1': x has 2 samples but y has 1 labels")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [1], \"user_data\": {\"u1\": {\"x\": [[1,2]], \"y\": [0.5]}}}", "user 'u1', sample 0: label is a fractional or large number")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [1], \"user_data\": {\"u1\": {\"x\": [\"to be or\"], \"y\": [0]}}}", "user 'u1', sample 0: label is 0, but x holds strings (text)")]
    [InlineData("{\"users\": [\"u1\"], \"num_samples\": [1], \"user_data\": {\"u1\": {\"x\": [[1,2]], \"y\": [0]}, \"u9\": {\"x\": [[1,2]], \"y\": [0]}}}", "user 'u9' is in 'user_data' but not in 'users'")]
    [InlineData("[1, 2]", "not a LEAF file")]
    public void Malformed_train_files_fail_with_one_line_naming_the_file_and_the_place_and_leave_no_file(string json, string expected)
    {
        string train = Write("bad_train.json", json);
        string test = Write("test.json", Leaf(("u1", 0, 1)));

        string message = FailingLeafImport(train, test, named: train);

        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_user_twice_across_files_and_features_that_differ_between_users_are_errors()
    {
        string a = Write("a.json", Leaf(("u1", 0, 1)));
        string again = Write("b.json", Leaf(("u1", 5, 1)));
        string test = Write("t.json", Leaf(("u1", 0, 1)));
        string wide = Write("wide.json", "{\"users\": [\"w\"], \"num_samples\": [1], \"user_data\": {\"w\": {\"x\": [[1,2,3,4]], \"y\": [0]}}}");

        var twice = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [a, again], [test], Output, null, 0));
        var differ = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [a, wide], [test], Output, null, 0));

        Assert.Equal($"{again}: user 'u1' has training data twice (in this file or an earlier one)", twice.Message);
        Assert.Equal($"{wide}: user 'w': samples have 4 features, earlier users' have 3", differ.Message);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void A_failed_import_keeps_the_previous_file_intact()
    {
        string train = Write("train.json", Leaf(("u1", 0, 2)));
        string test = Write("test.json", Leaf(("u1", 0, 1)));
        FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 0);
        byte[] before = File.ReadAllBytes(Output);
        string bad = Write("bad.json", "{\"users\": [\"u1\"], \"num_samples\": [7], \"user_data\": {\"u1\": {\"x\": [[1,2,3]], \"y\": [0]}}}");

        Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [bad], [test], Output, null, 0));

        Assert.Equal(before, File.ReadAllBytes(Output));
        Assert.Single(Directory.GetFiles(Dir, "out.flpf*"));
    }

    [Fact]
    public void A_shape_that_does_not_hold_a_row_labels_beyond_the_classes_and_an_empty_test_set_are_errors()
    {
        string train = Write("train.json", Leaf(("u1", 0, 4)));
        string test = Write("test.json", Leaf(("u1", 0, 1)));
        string emptyTest = Write("empty.json", Leaf(("u1", 0, 0)));

        var shape = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, [2, 2], 0));
        var classes = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 3));
        var noTest = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Leaf, [train], [emptyTest], Output, null, 0));

        Assert.Equal($"{train}: --shape 2,2 holds 4 values but a sample has 3 features", shape.Message);
        Assert.Equal($"{train}: label 3 is outside --classes 3", classes.Message); // labels 0..3
        Assert.Equal($"{emptyTest}: the test files hold no sample (evaluation needs a test set)", noTest.Message);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void A_truncated_imported_file_is_refused_with_its_name()
    {
        string train = Write("train.json", Leaf(("u1", 0, 3)));
        string test = Write("test.json", Leaf(("u1", 0, 1)));
        FederatedImport.Run(ImportFormat.Leaf, [train], [test], Output, null, 0);
        byte[] whole = File.ReadAllBytes(Output);
        File.WriteAllBytes(Output, whole[..^8]);

        var error = Assert.Throws<InvalidDataException>(() => PartitionedFile.Open(Output).Dispose());

        Assert.StartsWith($"partitioned data file {Output}: ", error.Message);
    }
}
