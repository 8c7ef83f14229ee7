using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>GET /users/{id}/transitiveMemberOf</c> and its cast to groups: every group the user is in, directly or through
/// nesting, in id order, paged with <c>$top</c> and next links. The fake's directory holds no roles or
/// administrative units, so both forms list the same groups.
/// </summary>
internal sealed class TransitiveMemberOfEndpoint(TenantDirectory directory, int pageSize)
{
    /// <summary>Graph's largest page for this list.</summary>
    public const int MaxTop = 999;

    public GraphResponse Handle(GraphRequest request, string userId, string? cast)
    {
        request.AllowOnly("$select", "$top", "$skiptoken");
        var (displayName, select) = ReadSelect(request.Option("$select"));
        var top = ReadTop(request.Option("$top"));
        var after = ReadSkipToken(request.Option("$skiptoken"));

        var groups = directory.TransitiveGroupsOfUser(userId) ?? throw GraphErrorException.ResourceNotFound(userId);
        var size = Math.Min(top ?? pageSize, pageSize);
        var page = groups.Where(g => after is null || string.CompareOrdinal(g.Id, after) > 0).Take(size + 1).ToList();
        string? nextLink = null;
        if (page.Count > size)
        {
            page.RemoveAt(size);
            var query = new List<string>();
            if (select is not null)
            {
                query.Add($"$select={Uri.EscapeDataString(select)}");
            }

            if (top is not null)
            {
                query.Add($"$top={top.Value.ToString(CultureInfo.InvariantCulture)}");
            }

            query.Add($"$skiptoken={WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(page[^1].Id))}");
            var path = $"{request.BaseUrl}/users/{Uri.EscapeDataString(userId)}/transitiveMemberOf{(cast is null ? "" : "/" + cast)}";
            nextLink = $"{path}?{string.Join('&', query)}";
        }

        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", $"{request.BaseUrl}/$metadata#{(cast is null ? "directoryObjects" : "groups")}");
            writer.WriteStartArray("value");
            foreach (var (id, name) in page)
            {
                writer.WriteStartObject();
                writer.WriteString("@odata.type", "#microsoft.graph.group");
                writer.WriteString("id", id);
                if (displayName)
                {
                    writer.WriteString("displayName", name);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (nextLink is not null)
            {
                writer.WriteString("@odata.nextLink", nextLink);
            }

            writer.WriteEndObject();
        });
    }

    private static (bool DisplayName, string? Select) ReadSelect(string? select)
    {
        if (select is null)
        {
            return (true, null);
        }

        var displayName = false;
        foreach (var property in select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (property.Equals("displayName", StringComparison.OrdinalIgnoreCase))
            {
                displayName = true;
            }
            else if (!property.Equals("id", StringComparison.OrdinalIgnoreCase))
            {
                throw GraphErrorException.BadRequest(
                    $"Could not find a property named '{property}' on type 'microsoft.graph.group' (the Graph fake serves id and displayName here).");
            }
        }

        return (displayName, select);
    }

    private static int? ReadTop(string? top)
    {
        if (top is null)
        {
            return null;
        }

        return int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxTop
            ? value
            : throw GraphErrorException.BadRequest($"Invalid page size specified: '{top}'. Must be between 1 and {MaxTop} inclusive.");
    }

    // The token names the last group of the previous page, so paging stays right when memberships change in between.
    private static string? ReadSkipToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token));
        }
        catch (FormatException)
        {
            throw GraphErrorException.BadRequest("The $skiptoken is not valid.");
        }
    }
}
