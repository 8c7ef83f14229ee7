using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ModelGate.Hosting;
using ModelGate.Problems;

namespace ModelGate.Identity;

public static class IdentitySetup
{
    /// <summary>
    /// JWT bearer validation of Entra ID v2 access tokens (issuer, audience, signing keys from the tenant's
    /// OpenID metadata), or of the development issuer's tokens through the very same handler.
    /// </summary>
    public static WebApplicationBuilder AddIdentity(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
        builder.Services.AddOptions<IdentityOptions>().BindConfiguration(IdentityOptions.Section)
            .Validate(o => o.Problem() is null, "Identity options are incomplete: set Identity:TenantId and Identity:ClientId.")
            .ValidateOnStart();

        if (options.DevelopmentIssuer.Enabled && AzureEnvironment.IsAzure(builder.Configuration))
            throw new InvalidOperationException(
                "Identity:DevelopmentIssuer:Enabled is true, but the app runs in Azure. The development issuer is for local runs and tests only.");

        DevelopmentIssuer? devIssuer = null;
        if (options.DevelopmentIssuer.Enabled)
        {
            devIssuer = new DevelopmentIssuer(DevelopmentIssuer.LoadOrCreateKey(options.DevelopmentIssuer.SigningKeyPath),
                options.Audience ?? options.ClientId ?? DevelopmentIssuer.DefaultAudience);
            builder.Services.AddSingleton(devIssuer);
        }

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ValidateIssuerSigningKey = true,
                RequireSignedTokens = true,
                ClockSkew = TimeSpan.FromMinutes(2),
                NameClaimType = "name",
                RoleClaimType = "roles",
                ValidAudiences = new[] { options.ClientId, options.Audience, devIssuer?.Audience }.OfType<string>().ToArray(),
            };
            if (devIssuer is not null)
            {
                var configuration = new OpenIdConnectConfiguration { Issuer = DevelopmentIssuer.Issuer };
                configuration.SigningKeys.Add(devIssuer.SigningKey);
                jwt.Configuration = configuration;
                jwt.TokenValidationParameters.ValidIssuer = DevelopmentIssuer.Issuer;
            }
            else if (options.TenantId is not null)
            {
                jwt.Authority = $"{options.Instance.TrimEnd('/')}/{options.TenantId}/v2.0";
                jwt.TokenValidationParameters.ValidIssuer = $"{options.Instance.TrimEnd('/')}/{options.TenantId}/v2.0";
            }
            jwt.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var problem = new ApiProblem(401, "unauthenticated", "Authentication required.",
                        context.AuthenticateFailure is null
                            ? "Send an Entra ID access token as Authorization: Bearer <token>."
                            : "The bearer token is not valid (signature, issuer, audience or lifetime).");
                    problem.Headers["WWW-Authenticate"] = "Bearer";
                    await ProblemResponses.WriteAsync(context.HttpContext, problem);
                },
            };
        });
        builder.Services.AddAuthorization();
        builder.Services.AddScoped<CurrentRequest>();
        builder.Services.AddScoped(sp => CurrentUser.FromPrincipal(
            sp.GetRequiredService<CurrentRequest>().HttpContext?.User
            ?? throw new InvalidOperationException("CurrentUser is only available inside a request.")));
        return builder;
    }

    /// <summary>Lets the request's scope know its request, for <see cref="CurrentUser"/>; the user is read when first asked for.</summary>
    public static WebApplication UseCurrentRequest(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<CurrentRequest>().HttpContext = context;
            return next(context);
        });
        return app;
    }

    public static WebApplication MapIdentity(this WebApplication app)
    {
        if (app.Services.GetService<DevelopmentIssuer>() is not null) app.MapDevTokenApi();
        return app;
    }
}
