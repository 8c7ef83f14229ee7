namespace ModelGate.Storage;

/// <summary>How a write treats the properties the stored entity has but the new one does not.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep them: only the properties sent are written.</summary>
    Merge,

    /// <summary>Drop them: the stored entity becomes exactly the one sent.</summary>
    Replace,
}
