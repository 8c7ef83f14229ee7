using Azure;
using ModelGate.Storage;

namespace ModelGate.Tests.Storage;

/// <summary>Answers shaped like Azure's own (documented samples), which Azurite does not reproduce exactly.</summary>
public sealed class TableTransactionResponseTests
{
    [Fact]
    public void Parse_AzureFailure_GivesOnePartWithTheIndexedMessage()
    {
        string body = string.Join("\r\n",
            "--batchresponse_e69b1c6c-56e3-4ca1-b7ec-7c4f3b0b2a43",
            "Content-Type: multipart/mixed; boundary=changesetresponse_5ea3a7c4-5ee4-4f28-9c59-cde2b1a3a2b2",
            "",
            "--changesetresponse_5ea3a7c4-5ee4-4f28-9c59-cde2b1a3a2b2",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "HTTP/1.1 400 Bad Request",
            "X-Content-Type-Options: nosniff",
            "DataServiceVersion: 3.0;",
            "Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
            "",
            """{"odata.error":{"code":"InvalidInput","message":{"lang":"en-US","value":"1:One of the request inputs is not valid.\nRequestId:1\nTime:2026-11-22T08:00:00.0000000Z"}}}""",
            "--changesetresponse_5ea3a7c4-5ee4-4f28-9c59-cde2b1a3a2b2--",
            "--batchresponse_e69b1c6c-56e3-4ca1-b7ec-7c4f3b0b2a43--",
            "");

        List<TableTransactionResponse.Part> parts = TableTransactionResponse.Parse(
            "multipart/mixed; boundary=batchresponse_e69b1c6c-56e3-4ca1-b7ec-7c4f3b0b2a43", body);

        TableTransactionResponse.Part part = Assert.Single(parts);
        Assert.Equal(400, part.Status);
        Assert.Null(part.ContentId);
        Assert.StartsWith("{\"odata.error\"", part.Body);
    }

    [Fact]
    public void Parse_AzureSuccess_GivesOnePartPerActionWithETags()
    {
        string body = string.Join("\r\n",
            "--batchresponse_1",
            "Content-Type: multipart/mixed; boundary=changesetresponse_2",
            "",
            "--changesetresponse_2",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "HTTP/1.1 204 No Content",
            "Content-ID: 1",
            "ETag: W/\"datetime'2026-11-22T08%3A00%3A00.1Z'\"",
            "",
            "",
            "--changesetresponse_2",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "HTTP/1.1 204 No Content",
            "Content-ID: 2",
            "",
            "",
            "--changesetresponse_2--",
            "--batchresponse_1--",
            "");

        List<TableTransactionResponse.Part> parts = TableTransactionResponse.Parse("multipart/mixed; boundary=batchresponse_1", body);

        Assert.Equal(2, parts.Count);
        Assert.Equal(new ETag("W/\"datetime'2026-11-22T08%3A00%3A00.1Z'\""), parts[0].ETag);
        Assert.Equal(1, parts[0].ContentId);
        Assert.Equal(default, parts[1].ETag);
        Assert.All(parts, part => Assert.Equal(204, part.Status));
    }
}
