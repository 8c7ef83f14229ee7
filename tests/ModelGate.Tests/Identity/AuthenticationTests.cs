using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using ModelGate.Identity;
using ModelGate.Tests.Infrastructure;

namespace ModelGate.Tests.Identity;

public sealed class AuthenticationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly ModelGateFactory app = fixture.App;

    [Fact]
    public async Task NoToken_Gets401WithBearerChallenge()
    {
        var response = await app.CreateClient().GetAsync("/api/model-groups");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.")]
    public async Task GarbageToken_Gets401(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await (await client.GetAsync("/api/model-groups")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task TokenSignedByAnotherKey_Gets401()
    {
        var impostor = new DevelopmentIssuer(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "impostor" }, DevelopmentIssuer.DefaultAudience);
        var token = impostor.CreateToken(DevelopmentIssuer.DefaultTenantId, "mallory", "Mallory", [], [Roles.Admin], TimeSpan.FromHours(1));
        await (await Call(token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task TokenForAnotherAudience_Gets401()
    {
        var issuer = (DevelopmentIssuer)app.Services.GetService(typeof(DevelopmentIssuer))!;
        var other = new DevelopmentIssuer(issuer.SigningKey, "api://someone-else");
        var token = other.CreateToken(DevelopmentIssuer.DefaultTenantId, "x", "X", [], [Roles.Admin], TimeSpan.FromHours(1));
        await (await Call(token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task ExpiredToken_Gets401()
    {
        var token = app.TokenFor(TestUser.Admin, TimeSpan.FromMinutes(-10));
        await (await Call(token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task DevTokenEndpoint_MintsATokenTheApiAccepts()
    {
        var client = app.CreateClient();
        var minted = await (await client.PostAsync("/dev/token", Http.Json("{\"oid\":\"dana\",\"name\":\"Dana\",\"roles\":[\"ModelGate.FullAccess\"],\"groups\":[\"g1\"]}")))
            .AssertStatusAsync(HttpStatusCode.OK);
        var token = (string)minted["access_token"]!;
        await (await Call(token)).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DevTokenEndpoint_AnswersPlainTextWhenAsked()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/dev/token") { Content = Http.Json("{\"oid\":\"dana\",\"roles\":[\"ModelGate.Admin\"]}") };
        request.Headers.Accept.ParseAdd("text/plain");
        var response = await app.CreateClient().SendAsync(request);
        var token = await response.Content.ReadAsStringAsync();
        Assert.Equal(3, token.Split('.').Length);
        await (await Call(token)).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"oid\":\"a/b\"}")]
    [InlineData("{\"oid\":\"a\",\"roles\":[\"ModelGate.God\"]}")]
    [InlineData("{\"oid\":\"a\",\"expires_in_minutes\":0}")]
    public async Task DevTokenEndpoint_RefusesBadRequests(string body)
    {
        await (await app.CreateClient().PostAsync("/dev/token", Http.Json(body))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task UserWithoutRole_IsExternal_AndCannotUseManagementApis()
    {
        await (await app.ClientFor(TestUser.External).GetAsync("/api/model-groups")).AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await app.ClientFor(TestUser.External).GetAsync("/api/settings")).AssertProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    private Task<HttpResponseMessage> Call(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.GetAsync("/api/model-groups");
    }
}
