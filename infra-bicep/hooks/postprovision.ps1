# azd runs this after provisioning on Windows, with the Bicep outputs in the environment. It changes nothing:
# it prints the steps that need a directory administrator, as postprovision.sh does.
$graphAppId = '00000003-0000-0000-c000-000000000000'
function Value([string] $name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value)) { '?' } else { $value }
}

Write-Output ''
Write-Output "ModelGate is provisioned: $(Value 'MODELGATE_URL') (function app $(Value 'MODELGATE_FUNCTION_APP_NAME'), resource group $(Value 'AZURE_RESOURCE_GROUP'))."
Write-Output '"azd up" deploys the code next; after "azd provision" alone, run "azd deploy".'
Write-Output ''
Write-Output 'Next steps (README.md, "Deploy to Azure"):'
Write-Output " 1. On the API app registration $(Value 'MODELGATE_API_CLIENT_ID'): set requestedAccessTokenVersion to 2 and define the"
Write-Output '    app roles ModelGate.Admin, ModelGate.SuperAdmin, ModelGate.FullAccess and ModelGate.ReadOnly.'
Write-Output ' 2. First admin: in Enterprise applications, assign yourself ModelGate.Admin on that application.'
Write-Output ' 3. Grant Entra groups access to deployments through the API (PUT /api/deployments/NAME/external-access).'

$principal = Value 'MODELGATE_IDENTITY_PRINCIPAL_ID'
if ((Value 'MODELGATE_GRAPH_PERMISSIONS_GRANTED') -eq 'true') {
    Write-Output " 4. Microsoft Graph: $(Value 'MODELGATE_GRAPH_PERMISSIONS') granted to identity $(Value 'MODELGATE_IDENTITY_NAME')."
}
else {
    Write-Output ' 4. Microsoft Graph: grantGraphPermissions was off, so an administrator who may grant application permissions'
    Write-Output '    (Privileged Role Administrator or Global Administrator) runs:'
    Write-Output ''
    Write-Output "    `$graphSp = az ad sp show --id $graphAppId --query id -o tsv"
    foreach ($permission in ("$env:MODELGATE_GRAPH_PERMISSIONS" -split ' ' | Where-Object { $_ })) {
        Write-Output "    `$role = az ad sp show --id $graphAppId --query `"appRoles[?value=='$permission'].id`" -o tsv"
        Write-Output "    az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/$principal/appRoleAssignments ``"
        Write-Output "      --body (@{ principalId = '$principal'; resourceId = `$graphSp; appRoleId = `$role } | ConvertTo-Json -Compress)"
    }
}
Write-Output ''
