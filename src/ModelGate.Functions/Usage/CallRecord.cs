using ModelGate.Invoke;

namespace ModelGate.Usage;

/// <summary>
/// One call as the proxy saw it when it ended, for <see cref="UsageMeter.Record"/>. A struct passed by
/// reference so that metering allocates nothing per call.
/// </summary>
/// <param name="DeploymentName">The deployment invoked (a DNS label).</param>
/// <param name="KeyId">The id of the API key that made the call.</param>
/// <param name="UserId">The key owner's user id (tenant:object).</param>
/// <param name="Status">The status code the caller received (499 when the caller left).</param>
/// <param name="IsError">Status 400 or above, or the forward failed.</param>
/// <param name="LatencyMs">Time from the request's arrival to the end of the response.</param>
/// <param name="BytesIn">Request body bytes sent upstream.</param>
/// <param name="BytesOut">Response body bytes sent to the caller.</param>
/// <param name="PromptTokens">OpenAI usage.prompt_tokens when the upstream reported it, else 0.</param>
/// <param name="CompletionTokens">OpenAI usage.completion_tokens when the upstream reported it, else 0.</param>
/// <param name="PricePerCall">The deployment's price when the call was made; later price changes do not rewrite history.</param>
public readonly record struct CallRecord(
    string DeploymentName,
    string KeyId,
    string UserId,
    int Status,
    bool IsError,
    long LatencyMs,
    long BytesIn,
    long BytesOut,
    long PromptTokens,
    long CompletionTokens,
    decimal PricePerCall)
{
    /// <summary>The record of a forwarded call, with the error rule in one place: status 400 or above, or a forward error.</summary>
    public static CallRecord For(string deploymentName, string keyId, string userId, in ForwardResult result, long latencyMs, decimal pricePerCall) =>
        new(deploymentName, keyId, userId, result.Status, result.Status >= 400 || result.Error != ForwardError.None, latencyMs,
            result.BytesIn, result.BytesOut, result.Usage.PromptTokens, result.Usage.CompletionTokens, pricePerCall);
}
