using Azure;

namespace ModelGate.Storage;

/// <summary>
/// A transaction was refused as a whole: nothing of it was written. <see cref="FailedActionIndex"/> points at the
/// action the service objected to, when the service said which.
/// </summary>
public sealed class TableTransactionFailedException : RequestFailedException
{
    public TableTransactionFailedException(
        int status,
        string message,
        string? errorCode,
        int? failedActionIndex,
        TableTransactionAction? failedAction = null,
        Exception? innerException = null)
        : base(status, message, errorCode, innerException)
    {
        FailedActionIndex = failedActionIndex;
        FailedTransactionAction = failedAction;
    }

    /// <summary>Zero-based position of the failing action in the submitted list.</summary>
    public int? FailedActionIndex { get; }

    /// <summary>The failing action itself, when its index is known.</summary>
    public TableTransactionAction? FailedTransactionAction { get; }
}
