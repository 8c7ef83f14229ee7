using System.ComponentModel.DataAnnotations;

namespace ModelGate.Invoke;

/// <summary>How the proxy talks to upstreams and how long it trusts what it cached (section "Invoke").</summary>
public sealed class InvokeOptions
{
    public const string Section = "Invoke";

    /// <summary>Time allowed until the upstream's response headers arrive; a streamed body may take longer.</summary>
    [Range(1, 3600)]
    public int UpstreamTimeoutSeconds { get; set; } = 100;

    [Range(1, 120)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long a deployment, its grants, its model group, the settings and a sign-in record are reused
    /// without reading Table Storage again: the bound on how late a change reaches other instances.
    /// </summary>
    [Range(0, 300)]
    public int CacheSeconds { get; set; } = 15;

    /// <summary>Largest body read to find the deployment in an OpenAI-style call's "model" field.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRoutingBodyBytes { get; set; } = 4 * 1024 * 1024;
}
