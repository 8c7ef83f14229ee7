using System.Net.Http.Headers;
using System.Text;

namespace ModelGate.Bench;

/// <summary>
/// Target (d): ModelGate with its key and grant checks, serving until stopped. Before it announces itself it makes
/// one call through the proxy, so a broken setup fails here and not as a run of 401s under wrk.
/// </summary>
internal static class GatewayTarget
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        await using var gateway = await BenchGateway.StartAsync(args.Port, args.RequireUpstream());
        using (var http = new HttpClient { BaseAddress = gateway.BaseUri })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Path)
            {
                Content = new StringContent("""{"model":"bench-chat","messages":[{"role":"user","content":"ping"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", gateway.ApiKey);
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"A call through the gateway answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                return 1;
            }
        }
        using var stats = Serving.WriteStats(args.StatsPath);
        Serving.Ready(("url", gateway.BaseUri.AbsoluteUri), ("path", gateway.Path), ("key", gateway.ApiKey));
        await Serving.UntilStoppedAsync();
        return 0;
    }
}
