namespace ModelGate.Directory;

/// <summary>What a group member is. Groups nest, so transitive membership follows members of kind Group.</summary>
public enum MemberKind
{
    User,
    Group,

    /// <summary>Service principals, devices, contacts: members that never sign in to ModelGate as users.</summary>
    Other,
}
