namespace ModelGate.Hosting;

/// <summary>
/// Marks an options property that every deployment to Azure must set. The Bicep template is checked against
/// these marks: each one must appear there as the app setting <c>Section__Property</c>, where Section is the
/// options class's <c>Section</c> constant. Settings with a working default stay unmarked.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AzureSettingAttribute : Attribute;
