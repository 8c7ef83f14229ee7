using ModelGate.DevHost;

return await LocalRun.RunAsync(args);
