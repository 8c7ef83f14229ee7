using System.Reflection;
using ModelGate.Hosting;

namespace ModelGate.Tests.Deployment;

/// <summary>The app's options classes and the settings a deployment must give them, found by reflection.</summary>
public static class AzureSettings
{
    private static Assembly App => typeof(ModelGateApp).Assembly;

    /// <summary>Options classes by section: every type in the app with a <c>public const string Section</c>.</summary>
    public static IReadOnlyDictionary<string, Type> Sections() => App.GetTypes()
        .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
        .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every [AzureSetting] property as the app setting name a deployment sets: Section__Property.</summary>
    public static IReadOnlyList<string> Required()
    {
        var names = new List<string>();
        foreach (var type in App.GetTypes())
        {
            foreach (var property in type.GetProperties().Where(p => p.IsDefined(typeof(AzureSettingAttribute))))
            {
                var section = type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
                    ?? throw new InvalidOperationException($"{type.Name}.{property.Name} is marked [AzureSetting], but {type.Name} has no Section constant.");
                names.Add($"{section}__{property.Name}");
            }
        }
        return names;
    }

    /// <summary>
    /// Whether an app setting named Section__Property[__Nested...] binds to a writable property of the section's
    /// options class (configuration keys ignore case, as the binder does).
    /// </summary>
    public static bool Binds(string appSetting, IReadOnlyDictionary<string, Type> sections)
    {
        var parts = appSetting.Split("__");
        if (parts.Length < 2 || !sections.TryGetValue(parts[0], out var type)) return false;
        foreach (var part in parts[1..])
        {
            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is not { CanWrite: true }) return false;
            type = property.PropertyType;
        }
        return true;
    }
}
