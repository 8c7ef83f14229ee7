using ModelGate.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddModelGate();

var app = builder.Build();
app.MapModelGate();
app.Run();

/// <summary>Entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
