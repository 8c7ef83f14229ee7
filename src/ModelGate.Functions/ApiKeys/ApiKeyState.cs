namespace ModelGate.ApiKeys;

/// <summary>
/// Where a key record stands. Pending: written, its secret not yet confirmed in Key Vault; it never
/// verifies. Active: the only state that verifies. Revoked: its secret is disabled; final.
/// </summary>
public enum ApiKeyState { Pending, Active, Revoked }
