// One storage account for the Functions host (keys, timer locks), the deployment package Flex Consumption
// runs from, and ModelGate's tables. Shared keys are off: every caller uses an Entra identity.
param name string
param location string
param tags object
param deploymentContainerName string

// Exactly the tables ModelGate.Storage.Tables.Names lists (a test compares them); the app does not create
// tables in Azure.
var tableNames = [
  'Catalog'
  'Settings'
  'Users'
  'ApiKeys'
  'Usage'
  'Quotas'
  'DirectorySync'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// azd uploads the package here; the function app reads it with the managed identity.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for tableName in tableNames: {
  parent: tableService
  name: tableName
}]

output name string = storage.name
output tableEndpoint string = storage.properties.primaryEndpoints.table
