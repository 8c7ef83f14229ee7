using ModelGate.Bench;

// Subcommands, each one target of bench/run.sh or the micro benchmark of bench/micro.sh. The servers print one
// "READY key=value ..." line on stdout once they accept traffic, then serve until SIGINT or SIGTERM.
return args switch
{
    ["stub", .. var rest] => await UpstreamStub.RunAsync(BenchArgs.Parse(rest)),
    ["forwarder", .. var rest] => await ForwarderOnly.RunAsync(BenchArgs.Parse(rest)),
    ["gateway", .. var rest] => await GatewayTarget.RunAsync(BenchArgs.Parse(rest)),
    ["micro", .. var rest] => DecisionPathBenchmarks.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ModelGate.Bench stub      --port N                 a fixed ~300-byte chat completion for any request
               ModelGate.Bench forwarder --port N --upstream URL  the product's Forwarder alone, no checks
               ModelGate.Bench gateway   --port N --upstream URL  the whole app over Azurite and the fakes, with a key
               ModelGate.Bench micro     [BenchmarkDotNet args]   the cached decision path per call
        --port 0 picks a free loopback port; the READY line names it. --stats FILE keeps FILE holding the
        process's allocation and collection counts (rewritten every 100 ms).
        """);
    return 2;
}
