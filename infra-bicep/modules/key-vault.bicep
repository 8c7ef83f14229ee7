// The vault for API key HMACs and the pepper. Access is by Azure RBAC only. Deleted secrets stay
// recoverable for 90 days and purge protection stops anyone from purging them early; a name stays taken
// while deleted, which the app already respects by never reusing one.
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
