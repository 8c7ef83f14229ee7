using System.Text;
using ModelGate.ApiKeys;
using ModelGate.Problems;
using ModelGate.Tests.Infrastructure;
using static ModelGate.Tests.ApiKeys.ApiKeyTestData;

namespace ModelGate.Tests.ApiKeys;

public sealed class ApiKeyVerifierTests(ApiKeysAppFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<ApiKeysAppFixture>, IDisposable
{
    private ModelGateFactory App => fixture.App;
    private ApiKeyVerifier Verifier => fixture.Verifier;

    public void Dispose() => fixture.Reset();

    [Fact]
    public async Task Verify_AValidKey_GivesItsOwnerScopeAndExpiry()
    {
        var user = NewExternalUser();
        var created = await CreateKeyAsync(await SignedInClientAsync(App, user));

        var check = await Verifier.VerifyAsync((string)created["key"]!);

        Assert.True(check.IsValid, check.ToString());
        Assert.Equal(KeyCheckFailure.None, check.Failure);
        Assert.Null(check.ErrorCode);
        Assert.Equal((string)created["id"]!, check.Key.KeyId);
        Assert.Equal(user.Id, check.Key.UserId);
        Assert.Equal(user.TenantId, check.Key.TenantId);
        Assert.Equal(user.ObjectId, check.Key.ObjectId);
        Assert.Empty(check.Key.Deployments);
        Assert.True(check.Key.IsScopedTo("any-deployment"));
        Assert.Equal(created["expires_at"]!.GetValue<DateTimeOffset>(), check.Key.ExpiresAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mg_")]
    [InlineData("not a key at all")]
    [InlineData("mg_0123456789abcdef_0123456789ABCDEFGHIJKLMNOPQRSTUV000000")]
    public async Task Verify_Garbage_IsInvalid_WithoutAnyIo(string garbage)
    {
        var (vault, table) = (fixture.Vault.Counters.Total, fixture.Table.Requests);

        var check = await Verifier.VerifyAsync(garbage);

        Assert.Equal(KeyCheckFailure.InvalidApiKey, check.Failure);
        Assert.Equal("invalid_api_key", check.ErrorCode);
        Assert.Equal(vault, fixture.Vault.Counters.Total);
        Assert.Equal(table, fixture.Table.Requests);
    }

    [Fact]
    public async Task Verify_ARealKeyWithOneCharacterFlipped_IsInvalid_WithoutAnyIo()
    {
        var (key, _, _) = await NewKeyAsync(App);
        var flipped = new StringBuilder(key) { [30] = key[30] == 'a' ? 'b' : 'a' }.ToString();
        var (vault, table) = (fixture.Vault.Counters.Total, fixture.Table.Requests);

        var check = await Verifier.VerifyAsync(flipped);

        Assert.Equal(KeyCheckFailure.InvalidApiKey, check.Failure);
        Assert.Equal(vault, fixture.Vault.Counters.Total);
        Assert.Equal(table, fixture.Table.Requests);
    }

    [Fact]
    public async Task Verify_AnUnissuedIdWithAValidChecksum_IsInvalid_AfterOneTableReadAndNoVaultRead()
    {
        var (vault, table) = (fixture.Vault.Counters.Total, fixture.Table.Requests);

        var check = await Verifier.VerifyAsync(Unissued());

        Assert.Equal(KeyCheckFailure.InvalidApiKey, check.Failure);
        Assert.Equal(vault, fixture.Vault.Counters.Total);
        Assert.Equal(table + 1, fixture.Table.Requests);
    }

    [Fact]
    public async Task Verify_WrongSecretForAKnownId_IsInvalid_BeforeAndAfterTheRightKeyIsCached()
    {
        var (key, _, _) = await NewKeyAsync(App);
        var wrong = WithSecret(key, RandomSecret());
        Assert.True(ModelGate.ApiKeys.ApiKeyText.TryParse(wrong, out _));

        Assert.Equal(KeyCheckFailure.InvalidApiKey, (await Verifier.VerifyAsync(wrong)).Failure);
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        Assert.Equal(KeyCheckFailure.InvalidApiKey, (await Verifier.VerifyAsync(wrong)).Failure);
        Assert.Equal(KeyCheckFailure.InvalidApiKey, (await Verifier.VerifyAsync(WithSecret(key, RandomSecret()))).Failure);
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
    }

    [Fact]
    public async Task Verify_Repeatedly_ReadsKeyVaultOncePerCachePeriod()
    {
        var (key, _, _) = await NewKeyAsync(App);
        var gets = fixture.Vault.Counters.Get;

        for (var i = 0; i < 20; i++) Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        Assert.Equal(gets + 1, fixture.Vault.Counters.Get);

        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        for (var i = 0; i < 20; i++) Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        Assert.Equal(gets + 1, fixture.Vault.Counters.Get);

        fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 20; i++) Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        Assert.Equal(gets + 2, fixture.Vault.Counters.Get);
    }

    [Fact]
    public async Task Verify_FromTheCache_CompletesSynchronously_AndAllocatesNothing()
    {
        var (key, _, _) = await NewKeyAsync(App);
        Assert.True((await Verifier.VerifyAsync(key)).IsValid); // cached, and its use recorded for the next 15 minutes
        const int calls = 10_000;
        CachedVerifications(Verifier, key, 1000); // warm up

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bytesPerCall = CachedVerifications(Verifier, key, calls) / (double)calls;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        output.WriteLine($"cached verify: {elapsed.TotalMicroseconds / calls:F2} µs and {bytesPerCall:F1} bytes per call");
        Assert.True(bytesPerCall < 1, $"{bytesPerCall} bytes per call");
    }

    [Fact]
    public async Task Verify_ManyConcurrentCallsWithAColdKey_ReadKeyVaultOnce()
    {
        var (key, _, _) = await NewKeyAsync(App);
        var gets = fixture.Vault.Counters.Get;
        fixture.Vault.Faults.Latency = TimeSpan.FromMilliseconds(200);

        var checks = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Verifier.VerifyAsync(key).AsTask()));

        Assert.All(checks, c => Assert.True(c.IsValid));
        Assert.Equal(gets + 1, fixture.Vault.Counters.Get);
    }

    [Fact]
    public async Task Verify_AfterExpiry_IsExpired_EvenFromTheCache()
    {
        var client = await SignedInClientAsync(App, NewExternalUser());
        var key = (string)(await CreateKeyAsync(client, new { name = "short", expires_in_days = 1 }))["key"]!;
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);

        fixture.Clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var check = await Verifier.VerifyAsync(key);
        Assert.Equal(KeyCheckFailure.ApiKeyExpired, check.Failure);
        Assert.Equal("api_key_expired", check.ErrorCode);

        // Only the holder of the right secret learns that the key expired.
        Assert.Equal(KeyCheckFailure.InvalidApiKey, (await Verifier.VerifyAsync(WithSecret(key, RandomSecret()))).Failure);
    }

    [Fact]
    public async Task Verify_WhenKeyVaultIsDownAndTheCacheCold_Throws_NeverAccepts()
    {
        var (key, _, _) = await NewKeyAsync(App);
        fixture.Vault.Faults.UnavailableRetryAfter = TimeSpan.FromMilliseconds(20);
        fixture.Vault.Faults.Unavailable = true;

        var failure = await Record.ExceptionAsync(async () => await Verifier.VerifyAsync(key));

        Assert.NotNull(failure);
        Assert.True(ProblemResponses.IsDependencyFailure(failure), failure.ToString());
        Assert.Equal(503, ProblemResponses.ToProblem(failure).Status);
        Assert.Equal("dependency_unavailable", ProblemResponses.ToProblem(failure).Code);

        fixture.Vault.Faults.Reset();
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
    }

    [Fact]
    public async Task Verify_WhenTableStorageIsDownAndTheCacheCold_Throws_NeverAccepts()
    {
        var (key, _, _) = await NewKeyAsync(App);
        fixture.Table.FailWhen = _ => true;

        var failure = await Record.ExceptionAsync(async () => await Verifier.VerifyAsync(key));

        Assert.NotNull(failure);
        Assert.True(ProblemResponses.IsDependencyFailure(failure), failure.ToString());
    }

    [Fact]
    public async Task Verify_ACachedKey_StillAnswersWhileKeyVaultIsDown()
    {
        var (key, _, _) = await NewKeyAsync(App);
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        fixture.Vault.Faults.Unavailable = true;

        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
    }

    [Fact]
    public async Task Verify_AKeyRevokedElsewhere_IsRefusedOnceTheCacheBoundPasses()
    {
        var (key, id, _) = await NewKeyAsync(App);
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);

        // Another instance revoked it: the secret is disabled and the record marked, this cache knows nothing.
        await foreach (var properties in fixture.Secrets.GetPropertiesOfSecretVersionsAsync("apikey-" + id))
        {
            properties.Enabled = false;
            await fixture.Secrets.UpdateSecretPropertiesAsync(properties);
        }
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var check = await Verifier.VerifyAsync(key);
        Assert.Equal(KeyCheckFailure.ApiKeyRevoked, check.Failure);
        Assert.Equal("api_key_revoked", check.ErrorCode);
    }

    [Fact]
    public async Task RecordOfUse_FailingToWrite_DoesNotAffectTheCall()
    {
        var (key, _, _) = await NewKeyAsync(App);
        fixture.Table.FailWhen = request => TableTraffic.IsEntityWrite(request, "ApiKeys", "PATCH", "MERGE");
        var warnings = fixture.Logs.Containing("Could not record the use").Count;

        Assert.True((await Verifier.VerifyAsync(key)).IsValid);

        for (var attempt = 0; attempt < 50 && fixture.Logs.Containing("Could not record the use").Count == warnings; attempt++)
            await Task.Delay(50);
        Assert.True(fixture.Logs.Containing("Could not record the use").Count > warnings);
        Assert.Empty(fixture.Logs.Containing(SecretPartOf(key)));
    }

    [Fact]
    public async Task RecordOfUse_IsWrittenAtMostOncePer15Minutes()
    {
        var (key, _, _) = await NewKeyAsync(App);
        var writes = 0;
        fixture.Table.FailWhen = request =>
        {
            if (TableTraffic.IsEntityWrite(request, "ApiKeys", "PATCH", "MERGE")) Interlocked.Increment(ref writes);
            return false;
        };

        for (var i = 0; i < 10; i++) Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        fixture.Clock.Advance(TimeSpan.FromMinutes(14));
        for (var i = 0; i < 10; i++) Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        await WaitUntilAsync(() => Volatile.Read(ref writes) >= 1);
        Assert.Equal(1, Volatile.Read(ref writes));

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await Verifier.VerifyAsync(key)).IsValid);
        await WaitUntilAsync(() => Volatile.Read(ref writes) >= 2);
        Assert.Equal(2, Volatile.Read(ref writes));
    }

    [Fact]
    public async Task Verify_APendingRecord_IsInvalid()
    {
        var (key, id, _) = await NewKeyAsync(App);
        var row = (await fixture.ApiKeysTable.GetEntityIfExistsAsync(id, "key"))!;
        row["State"] = "pending";
        await fixture.ApiKeysTable.UpdateEntityAsync(row, row.ETag, ModelGate.Storage.TableUpdateMode.Replace);

        Assert.Equal(KeyCheckFailure.InvalidApiKey, (await Verifier.VerifyAsync(key)).Failure);
    }

    /// <summary>
    /// Verifies a cached key <paramref name="calls"/> times without awaiting (each call must complete
    /// synchronously, which is the point) and returns the bytes this thread allocated meanwhile.
    /// </summary>
    private static long CachedVerifications(ApiKeyVerifier verifier, string key, int calls)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++)
        {
            var pending = verifier.VerifyAsync(key);
            if (!pending.IsCompletedSuccessfully || !pending.Result.IsValid) Assert.Fail($"call {i} did not verify from the cache");
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 50 && !condition(); attempt++) await Task.Delay(50);
        await Task.Delay(100); // and a little longer, so an extra write would have shown up
    }
}
