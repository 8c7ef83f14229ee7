// Microsoft Graph application permissions for the managed identity, through the Microsoft Graph Bicep
// extension (bicepconfig.json). main.bicep deploys this only when grantGraphPermissions is true, because
// granting them needs a deploying user allowed to consent for the tenant.
extension microsoftGraphV1

param principalId string
param permissions array

// Ids of Microsoft Graph's application permissions (app roles), from the Microsoft Graph permissions reference.
var appRoleIds = {
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b'
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6'
  'User.ReadBasic.All': '97235f07-e226-4f63-ace3-39588e11d3a1'
}

// Microsoft Graph's service principal in the tenant: the resource whose app roles are granted.
resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: '00000003-0000-0000-c000-000000000000'
}

resource grants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [for permission in permissions: {
  principalId: principalId
  resourceId: graph.id
  appRoleId: appRoleIds[permission]
}]
