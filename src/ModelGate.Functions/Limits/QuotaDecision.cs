namespace ModelGate.Limits;

/// <summary>The answer of <see cref="QuotaLedger.TryConsumeAsync"/>: allowed, or denied until <see cref="RetryAfter"/> has passed.</summary>
public readonly record struct QuotaDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static QuotaDecision Allow => new(true, TimeSpan.Zero);

    public static QuotaDecision Deny(TimeSpan retryAfter) => new(false, retryAfter);
}
