namespace ModelGate.ApiKeys;

internal enum StoredKeyHashState { Missing, Disabled, Found }
