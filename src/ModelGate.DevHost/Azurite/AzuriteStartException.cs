namespace ModelGate.DevHost.Azurite;

// Azurite was launched but never listened; the message carries what it wrote to stderr.
internal sealed class AzuriteStartException(string message) : InvalidOperationException(message);
