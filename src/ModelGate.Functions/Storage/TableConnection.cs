using System.Buffers;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ModelGate.Storage;

// The pipeline and service root that a TableServiceClient and its table clients share.
internal sealed class TableConnection
{
    public const string ServiceVersion = "2019-02-02";
    public const string JsonContentType = "application/json";
    public const string AcceptMinimalMetadata = "application/json;odata=minimalmetadata";

    private readonly HttpPipeline _pipeline;

    public TableConnection(Uri serviceUri, HttpPipelinePolicy authorization, TableClientOptions options)
    {
        ServiceUri = serviceUri;
        ServiceRoot = serviceUri.AbsoluteUri.TrimEnd('/');
        _pipeline = HttpPipelineBuilder.Build(new HttpPipelineOptions(options)
        {
            PerRetryPolicies = { authorization },
            RequestFailedDetailsParser = TableErrorParser.Instance,
        });
    }

    public Uri ServiceUri { get; }

    // The service URI as text without a trailing slash, for absolute URLs inside a batch.
    public string ServiceRoot { get; }

    public HttpMessage CreateMessage(RequestMethod method, string path)
    {
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = method;
        request.Uri.Reset(ServiceUri);
        request.Uri.AppendPath(path, escape: false);
        request.Headers.SetValue("x-ms-version", ServiceVersion);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("Accept", AcceptMinimalMetadata);
        return message;
    }

    public static void SetJsonContent<TState>(HttpMessage message, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, state);
        }

        message.Request.Headers.SetValue("Content-Type", JsonContentType);
        message.Request.Content = RequestContent.Create(buffer.WrittenMemory);
    }

    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    public static RequestFailedException Failure(Response response) =>
        new(response, innerException: null, TableErrorParser.Instance);

    public static bool HasErrorCode(Response response, string errorCode) =>
        TableErrorParser.Instance.TryParse(response, out ResponseError? error, out _) && error?.Code == errorCode;

    public static ETag ReadETag(Response response) =>
        response.Headers.TryGetValue("ETag", out string? etag) ? new ETag(etag) : default;
}
