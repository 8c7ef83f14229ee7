using System.Net;
using System.Text.Json.Nodes;
using Azure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ModelGate.Hosting;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Hosting;

/// <summary>POST /&lt;Name&gt;, the way the Functions host runs a timer job, against the real app with test jobs.</summary>
public sealed class TimerJobsTests(TimerJobsTests.AppWithJobs fixture) : IClassFixture<TimerJobsTests.AppWithJobs>
{
    /// <summary>What the Functions host posts for a timer invocation.</summary>
    private const string TimerInvocation = """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"TestRefresh"}}}""";

    private WebApplicationFactory<Program> App => fixture.App;

    private CountingJob Counter => App.Services.GetServices<ITimerJob>().OfType<CountingJob>().Single();

    /// <summary>The app with three test jobs, shared by the tests of this class (which run one after another).</summary>
    public sealed class AppWithJobs : IAsyncLifetime
    {
        public ModelGateFactory Factory { get; private set; } = null!;
        public WebApplicationFactory<Program> App { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Factory = await ModelGateFactory.StartAsync();
            App = WithJobs(Factory, services => services.AddTimerJob<CountingJob>().AddTimerJob<FailingJob>().AddTimerJob<UnavailableJob>());
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            await Factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task TimerInvocation_RunsTheJob_AndAnswersWhatTheHostReads()
    {
        var before = Counter.Runs;
        var response = await App.CreateClient().PostAsync("/TestRefresh", Http.Json(TimerInvocation));

        var body = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Outputs":{},"Logs":[],"ReturnValue":null}"""), body), body.ToJsonString());
        Assert.Equal(before + 1, Counter.Runs);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-Forwarded-Host", "modelgate.example.com")]
    [InlineData("X-Forwarded-Proto", "https")]
    [InlineData("Forwarded", "for=203.0.113.7")]
    public async Task ForwardedRequest_IsRefused_AndTheJobDoesNotRun(string header, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/TestRefresh") { Content = Http.Json(TimerInvocation) };
        request.Headers.TryAddWithoutValidation(header, value);
        var before = Counter.Runs;

        var response = await App.CreateClient().SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "timer_forwarded_request");
        Assert.Equal(before, Counter.Runs);
    }

    [Fact]
    public async Task FailingJob_AnswersAProblem_SoTheHostRecordsAFailedRun()
    {
        var response = await App.CreateClient().PostAsync("/TestFailing", Http.Json(TimerInvocation));
        await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
    }

    [Fact]
    public async Task JobWhoseDependencyIsDown_Answers503()
    {
        var response = await App.CreateClient().PostAsync("/TestUnavailable", Http.Json(TimerInvocation));
        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
    }

    [Fact]
    public async Task TimerPath_TakesOnlyPost()
    {
        var before = Counter.Runs;
        var response = await App.CreateClient().GetAsync("/TestRefresh");
        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(before, Counter.Runs);
    }

    [Fact]
    public async Task TimerEndpoints_AreNotInTheApiDescription()
    {
        var text = await App.CreateClient().GetStringAsync("/api/openapi.json");
        Assert.DoesNotContain("TestRefresh", text);
    }

    [Theory]
    [InlineData("1Refresh", "0 */5 * * * *", "not a valid Functions function name")]
    [InlineData("Refresh", "0 */5 * * *", "invalid schedule")]
    [InlineData("Refresh", "00:05:00", "invalid schedule")]
    public async Task JobThatCannotBeATimerFunction_StopsTheStart(string name, string schedule, string reason)
    {
        await using var app = WithJobs(fixture.Factory, services => services.AddSingleton<ITimerJob>(new ConfiguredJob(name, schedule)));
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains(reason, error.Message);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public async Task TwoJobsWhoseNamesDifferOnlyInCase_StopTheStart()
    {
        await using var app = WithJobs(fixture.Factory, services => services
            .AddSingleton<ITimerJob>(new ConfiguredJob("Refresh", "0 0 * * * *"))
            .AddSingleton<ITimerJob>(new ConfiguredJob("refresh", "0 30 * * * *")));
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Two timer jobs are named 'Refresh'", error.Message);
    }

    private static WebApplicationFactory<Program> WithJobs(ModelGateFactory factory, Action<IServiceCollection> jobs) =>
        factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(jobs));

    private sealed class CountingJob : ITimerJob
    {
        private int _runs;
        public string Name => "TestRefresh";
        public string Schedule => "0 */5 * * * *";
        public int Runs => Volatile.Read(ref _runs);

        public Task RunAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Task.CompletedTask;
        }
    }

    private sealed class FailingJob : ITimerJob
    {
        public string Name => "TestFailing";
        public string Schedule => "0 0 * * * *";
        public Task RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("The job broke.");
    }

    private sealed class UnavailableJob : ITimerJob
    {
        public string Name => "TestUnavailable";
        public string Schedule => "0 0 * * * *";
        public Task RunAsync(CancellationToken cancellationToken) => throw new RequestFailedException(503, "Service unavailable");
    }

    private sealed record ConfiguredJob(string Name, string Schedule) : ITimerJob
    {
        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
