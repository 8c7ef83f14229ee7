using System.Text.Json;

namespace ModelGate.DevHost.Graph;

/// <summary>
/// <c>POST /users/{id}/checkMemberGroups</c> with <c>{"groupIds":[...]}</c>: which of those groups the user is a
/// member of, directly or through nested groups.
/// </summary>
internal sealed class CheckMemberGroupsEndpoint(TenantDirectory directory)
{
    /// <summary>Graph's limit on group ids per call.</summary>
    public const int MaxGroupIds = 20;

    public GraphResponse Handle(GraphRequest request, string userId)
    {
        request.AllowOnly();
        var groupIds = ReadGroupIds(request.Body);
        var found = directory.CheckMemberGroups(userId, groupIds) ?? throw GraphErrorException.ResourceNotFound(userId);
        return GraphResponse.Json(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", $"{request.BaseUrl}/$metadata#Collection(Edm.String)");
            writer.WriteStartArray("value");
            foreach (var id in found)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static List<string> ReadGroupIds(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("groupIds", out var array)
                || array.ValueKind != JsonValueKind.Array)
            {
                throw GraphErrorException.BadRequest("The request body must be an object with a groupIds array.");
            }

            var ids = new List<string>();
            foreach (var element in array.EnumerateArray())
            {
                ids.Add(element.ValueKind == JsonValueKind.String
                    ? element.GetString()!
                    : throw GraphErrorException.BadRequest("groupIds must hold strings."));
            }

            return ids.Count is >= 1 and <= MaxGroupIds
                ? ids
                : throw GraphErrorException.BadRequest($"groupIds must hold from 1 to {MaxGroupIds} ids; it holds {ids.Count}.");
        }
        catch (JsonException)
        {
            throw GraphErrorException.BadRequest("The request body is not valid JSON.");
        }
    }
}
