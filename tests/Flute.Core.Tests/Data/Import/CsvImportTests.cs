using Flute.Core.Data;
using Flute.Core.Data.Import;
using Flute.Core.Data.Partitioned;

namespace Flute.Core.Tests.Data.Import;

public sealed class CsvImportTests : ImportFolder
{
    [Fact]
    public void Rows_grouped_by_client_become_clients_and_a_header_row_is_skipped()
    {
        string train = Write("train.csv", "client,label,f1,f2\nalice,1,0.5,2\nalice,0,1.5,-3\n\nbob,2,7,8\n");
        string test = Write("test.csv", "bob,1,1,1\ncarol,0,2,2\n");

        ImportSummary summary = FederatedImport.Run(ImportFormat.Csv, [train], [test], Output, shape: null, classes: 0);

        Assert.Equal((2, 3L, 2L, 1, 3), (summary.Clients, summary.TrainSamples, summary.TestSamples, summary.TestOnlyUsers, summary.ClassCount));
        using var file = PartitionedFile.Open(Output);
        Dataset alice = file.ReadClient(0);
        Assert.Equal([1, 0], alice.Labels);
        var values = new float[4];
        alice.CopySamples(0, 2, values);
        Assert.Equal([0.5f, 2, 1.5f, -3], values);
        Assert.Equal(0, file.ReadClientTest(0).Count);
        Assert.Equal([1], file.ReadClientTest(1).Labels);
        Assert.Equal([1, 0], file.ReadTest().Labels);
    }

    [Theory]
    [InlineData("a,1,0.5\na,x,2\n", "row 2: label 'x' is not an integer class ≥ 0")]
    [InlineData("a,1,0.5,1\na,0,2\n", "row 2: ragged row of 1 features, earlier rows have 2")]
    [InlineData("a,1,0.5\nb,0,2\na,1,3\n", "row 3: client 'a' appears again after other clients' rows")]
    [InlineData("a,1,0.5\na,0,abc\n", "row 2: column 3 'abc' is not a finite number")]
    [InlineData("a,1,0.5\na,0\n", "row 2: 2 field(s); expected client,label,feature1")]
    [InlineData("a,1,0.5\n,0,1\n", "row 2: empty client id")]
    public void A_bad_row_fails_with_one_line_naming_the_file_and_row_and_leaves_no_file(string csv, string expected)
    {
        string train = Write("train.csv", csv);
        string test = Write("test.csv", "a,0,1\n");

        var error = Assert.Throws<InvalidDataException>(() => FederatedImport.Run(ImportFormat.Csv, [train], [test], Output, null, 0));

        Assert.StartsWith($"{train}: {expected}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(Dir, "out.flpf*"));
    }
}
