namespace ModelGate.DevHost.Graph;

/// <summary>The group properties a delta round returns besides <c>id</c>, from its <c>$select</c>.</summary>
internal sealed record DeltaSelection(bool DisplayName, bool Members)
{
    /// <summary>Without <c>$select</c> Graph returns a group's default properties, and members are not among them.</summary>
    public static DeltaSelection Default { get; } = new(DisplayName: true, Members: false);

    public static DeltaSelection Parse(string? select)
    {
        if (select is null)
        {
            return Default;
        }

        bool displayName = false, members = false;
        foreach (var property in select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (property.Equals("displayName", StringComparison.OrdinalIgnoreCase))
            {
                displayName = true;
            }
            else if (property.Equals("members", StringComparison.OrdinalIgnoreCase))
            {
                members = true;
            }
            else if (!property.Equals("id", StringComparison.OrdinalIgnoreCase))
            {
                throw GraphErrorException.BadRequest(
                    $"Could not find a property named '{property}' on type 'microsoft.graph.group' (the Graph fake serves id, displayName and members).");
            }
        }

        return new DeltaSelection(displayName, members);
    }

    /// <summary>The property list in <c>@odata.context</c>.</summary>
    public string ContextList => string.Join(',', new[] { "id", DisplayName ? "displayName" : null, Members ? "members" : null }.OfType<string>());
}
