// What `azd up` provisions for ModelGate: one resource group holding a Flex Consumption function app that runs
// the ASP.NET Core app as a custom handler, its user-assigned managed identity, storage (host, deployment
// package, tables), Key Vault, and Application Insights on Log Analytics. README.md, "Deploy to Azure",
// describes the same resources and the steps that follow.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; it names the resource group and seeds every other resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Entra tenant whose users sign in to ModelGate. Empty: the tenant of the subscription.')
param entraTenantId string = ''

@minLength(1)
@description('Client id of the ModelGate API app registration; its v2 access tokens carry it as audience.')
param entraApiClientId string

@description('Another accepted token audience, such as the API app id URI (api://...). Empty: the client id only.')
param entraApiAudience string = ''

@description('DNS suffix for host-routed deployment calls (NAME.SUFFIX), when you map a wildcard custom domain to the app. Empty: the app\'s own host name, and callers use path routing (https://HOST/deployments/NAME/...).')
param gatewayHostSuffix string = ''

@description('Public base URL of the gateway shown in deployment cards. Empty: https:// + the app\'s own host name.')
param gatewayPublicBaseUrl string = ''

@description('Grant the Microsoft Graph application permissions below to the identity from this template. The deploying user must be allowed to grant them (Privileged Role Administrator or Global Administrator); when false, an administrator grants them afterwards (README).')
param grantGraphPermissions bool = false

@description('Microsoft Graph application permissions for the directory refresh: Group.Read.All reads groups and their members (group delta) and subscribes to group change notifications; User.ReadBasic.All reads a user by id (to tell a deleted user from one who left their groups) and, with Group.Read.All, resolves a user\'s groups when the token lists too many. Keep README.md in step.')
param graphPermissions array = [
  'Group.Read.All'
  'User.ReadBasic.All'
]

@description('Memory per instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var tenantId = empty(entraTenantId) ? tenant().tenantId : entraTenantId
var deploymentContainerName = 'app-package'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-modelgate-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  // The host starts as soon as the site exists; with the roles in place first, its first start can reach storage.
  dependsOn: [
    roles
  ]
  params: {
    planName: 'plan-${resourceToken}'
    name: 'func-modelgate-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    entraTenantId: tenantId
    entraApiClientId: entraApiClientId
    entraApiAudience: entraApiAudience
    gatewayHostSuffix: gatewayHostSuffix
    gatewayPublicBaseUrl: gatewayPublicBaseUrl
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

module graphGrants 'modules/graph-permissions.bicep' = if (grantGraphPermissions) {
  name: 'graphPermissions'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    permissions: graphPermissions
  }
}

// Names and ids only: azd writes these to the environment's .env file, and the postprovision hook prints them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output MODELGATE_FUNCTION_APP_NAME string = functionApp.outputs.name
output MODELGATE_URL string = functionApp.outputs.url
output MODELGATE_IDENTITY_NAME string = identity.outputs.name
output MODELGATE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MODELGATE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MODELGATE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output MODELGATE_KEY_VAULT_NAME string = keyVault.outputs.name
output MODELGATE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output MODELGATE_ENTRA_TENANT_ID string = tenantId
output MODELGATE_API_CLIENT_ID string = entraApiClientId
output MODELGATE_GRAPH_PERMISSIONS string = join(graphPermissions, ' ')
output MODELGATE_GRAPH_PERMISSIONS_GRANTED bool = grantGraphPermissions
