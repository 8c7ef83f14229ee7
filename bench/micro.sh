#!/usr/bin/env bash
# ModelGate decision-path micro benchmark (BenchmarkDotNet, ShortRun, in process): what the proxy decides per call
# once everything is cached (API key verification, catalog look-ups, grant, key scope, rate limiter), each step
# alone and together, against a plain HMAC-SHA256 of the key as the baseline, with allocations. It starts Azurite
# (in memory) and the Key Vault and Graph fakes on 127.0.0.1 to build the real services, creates a key through
# the API, then measures; then prints whether the decision path meets <= 5 us and <= 1 KB per call.
#
# Run from anywhere:   bash bench/micro.sh            (BenchmarkDotNet options pass through, e.g. --filter '*Verify*')
# Needs: the .NET 10 SDK; Node.js 20 with npm (Azurite, installed from the repository's package-lock.json on first
# use). About 60 s once built. Exits non-zero only when a benchmark fails to run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT="$ROOT/bench/ModelGate.Bench"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "Building the benchmark (Release)..." >&2
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  dotnet build "$PROJECT" -c Release -nologo -v quiet >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
dotnet "$PROJECT/bin/Release/net10.0/ModelGate.Bench.dll" micro "$@"
