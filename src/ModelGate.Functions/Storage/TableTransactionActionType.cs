namespace ModelGate.Storage;

/// <summary>The write one <see cref="TableTransactionAction"/> performs.</summary>
public enum TableTransactionActionType
{
    Add,
    UpdateMerge,
    UpdateReplace,
    UpsertMerge,
    UpsertReplace,
    Delete,
}
