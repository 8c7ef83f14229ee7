#!/bin/sh
# Starts ModelGate for the Azure Functions host, which runs "/bin/sh start.sh" from the package root
# (host.json). Going through sh means the start never depends on the package keeping Unix file modes: azd
# zips the publish folder without them, and on Flex Consumption the package is mounted read-only, so a lost
# execute bit cannot be restored in place.
set -eu

app_dir=$(cd "$(dirname "$0")" && pwd -P)
app="$app_dir/ModelGate.Functions"

if [ -x "$app" ]; then
  exec "$app" "$@"
fi

# No execute bit: run an executable copy of the app host from a writable folder, next to links to the rest
# of the package. The app host finds the runtime and the app beside its own (real) path, so links suffice
# and the 100 MB self-contained package is not copied.
launch_dir=$(mktemp -d "${TMPDIR:-/tmp}/modelgate.XXXXXX")
for entry in "$app_dir"/*; do
  ln -s "$entry" "$launch_dir/"
done
rm "$launch_dir/ModelGate.Functions"
cp "$app" "$launch_dir/ModelGate.Functions"
chmod 700 "$launch_dir/ModelGate.Functions"
exec "$launch_dir/ModelGate.Functions" "$@"
