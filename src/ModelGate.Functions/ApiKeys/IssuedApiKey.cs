namespace ModelGate.ApiKeys;

/// <summary>A key just made: its record and the one and only copy of its text, for the creator's response.</summary>
public sealed record IssuedApiKey(ApiKey Key, string Text)
{
    // The generated ToString would print the key into whatever logs or formats this record.
    public override string ToString() => $"IssuedApiKey {{ Id = {Key.Id} }}";
}
