using Flute.Silo;

return await SiloHost.RunAsync(args);
