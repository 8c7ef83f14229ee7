using Azure;

namespace ModelGate.Storage;

/// <summary>
/// One write inside <see cref="TableClient.SubmitTransactionAsync"/>. <paramref name="ETag"/> is the
/// precondition for updates and deletes; the default means "whatever is stored" (<c>*</c>).
/// </summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default);
