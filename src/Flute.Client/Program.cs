using Flute.Client.Cli;

return await FluteCli.RunAsync(args);
