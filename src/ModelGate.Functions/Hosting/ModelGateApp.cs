namespace ModelGate.Hosting;

/// <summary>Wires every feature of the function app; shared by Program, the DevHost and the tests.</summary>
public static class ModelGateApp
{
    public static WebApplicationBuilder AddModelGate(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapModelGate(this WebApplication app)
    {
        // The Functions host waits for any answer on GET / before it sends traffic.
        app.MapGet("/", () => Results.Text("ModelGate"));
        return app;
    }
}
