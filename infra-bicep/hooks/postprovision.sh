#!/bin/sh
# azd runs this after provisioning, with the Bicep outputs in the environment. It changes nothing: it prints
# the steps that need a directory administrator, with this environment's names and ids filled in.
# postprovision.ps1 prints the same for Windows.
set -u

graph_app_id=00000003-0000-0000-c000-000000000000

cat <<TEXT

ModelGate is provisioned: ${MODELGATE_URL:-?} (function app ${MODELGATE_FUNCTION_APP_NAME:-?}, resource group ${AZURE_RESOURCE_GROUP:-?}).
"azd up" deploys the code next; after "azd provision" alone, run "azd deploy".

Next steps (README.md, "Deploy to Azure"):
 1. On the API app registration ${MODELGATE_API_CLIENT_ID:-?}: set requestedAccessTokenVersion to 2 and define the
    app roles ModelGate.Admin, ModelGate.SuperAdmin, ModelGate.FullAccess and ModelGate.ReadOnly.
 2. First admin: in Enterprise applications, assign yourself ModelGate.Admin on that application.
 3. Grant Entra groups access to deployments through the API (PUT /api/deployments/NAME/external-access).
TEXT

if [ "${MODELGATE_GRAPH_PERMISSIONS_GRANTED:-false}" = "true" ]; then
  echo " 4. Microsoft Graph: ${MODELGATE_GRAPH_PERMISSIONS:-?} granted to identity ${MODELGATE_IDENTITY_NAME:-?}."
else
  cat <<TEXT
 4. Microsoft Graph: grantGraphPermissions was off, so an administrator who may grant application permissions
    (Privileged Role Administrator or Global Administrator) runs:

    graph_sp=\$(az ad sp show --id $graph_app_id --query id -o tsv)
TEXT
  for permission in ${MODELGATE_GRAPH_PERMISSIONS:-}; do
    cat <<TEXT
    role=\$(az ad sp show --id $graph_app_id --query "appRoles[?value=='$permission'].id" -o tsv)
    az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/${MODELGATE_IDENTITY_PRINCIPAL_ID:-?}/appRoleAssignments \\
      --body "{\"principalId\":\"${MODELGATE_IDENTITY_PRINCIPAL_ID:-?}\",\"resourceId\":\"\$graph_sp\",\"appRoleId\":\"\$role\"}"
TEXT
  done
fi
echo
