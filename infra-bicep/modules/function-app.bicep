// The Flex Consumption (FC1) plan and the function app. The app is the ASP.NET Core server run as a custom
// handler (runtime "custom"), deployed from a blob container the managed identity reads, scaled to zero when
// idle.
param planName string
param name string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param keyVaultUri string
param entraTenantId string
param entraApiClientId string
param entraApiAudience string
param gatewayHostSuffix string
param gatewayPublicBaseUrl string
param instanceMemoryMB int
param maximumInstanceCount int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// The Functions host's own settings: host storage through the managed identity (no connection string), and
// telemetry with an Entra token. No FUNCTIONS_WORKER_RUNTIME: Flex Consumption takes the runtime from
// functionAppConfig and refuses that setting.
var hostSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
]

// ModelGate's settings: every option the app requires at start ([AzureSetting] in the code; a test compares).
var modelGateSettings = [
  {
    name: 'Storage__TableServiceUri'
    value: storage.properties.primaryEndpoints.table
  }
  {
    name: 'KeyVault__VaultUri'
    value: keyVaultUri
  }
  {
    name: 'Identity__TenantId'
    value: entraTenantId
  }
  {
    name: 'Identity__ClientId'
    value: entraApiClientId
  }
  {
    name: 'Azure__ManagedIdentityClientId'
    value: identityClientId
  }
]

var audienceSettings = empty(entraApiAudience) ? [] : [
  {
    name: 'Identity__Audience'
    value: entraApiAudience
  }
]

// Without these the app derives both from WEBSITE_HOSTNAME, which App Service sets.
var gatewaySettings = concat(empty(gatewayHostSuffix) ? [] : [
  {
    name: 'Gateway__HostSuffix'
    value: gatewayHostSuffix
  }
], empty(gatewayPublicBaseUrl) ? [] : [
  {
    name: 'Gateway__PublicBaseUrl'
    value: gatewayPublicBaseUrl
  }
])

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the service named 'api' in azure.yaml to the resource carrying this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat(hostSettings, modelGateSettings, audienceSettings, gatewaySettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
