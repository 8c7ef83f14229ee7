using System.Net;
using System.Net.Sockets;

namespace ModelGate.DevHost;

/// <summary>Free ports on 127.0.0.1 for the local run's parts and the tests.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A port that was free a moment ago. Another process can take it before the caller binds it, so callers
    /// that can bind port 0 directly should; the rest retry on a clash.
    /// </summary>
    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
