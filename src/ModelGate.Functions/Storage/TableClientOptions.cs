using Azure.Core;

namespace ModelGate.Storage;

/// <summary>Retry, transport and diagnostics settings for <see cref="TableServiceClient"/>.</summary>
public sealed class TableClientOptions : ClientOptions
{
}
