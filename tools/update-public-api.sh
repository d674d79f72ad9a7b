#!/usr/bin/env bash
# Regenerates the public API baseline of the four packages (src/*/PublicAPI.Unshipped.txt) from their current source,
# including the members the [Module]/[State] generator emits into them.
#
# When to run it: after a deliberate change to a public type or member (the build then fails with RS0016 "not part of
# the declared public API" or RS0017 "part of the declared public API but not found"), and after merging branches that
# change the surface. Review the diff of the PublicAPI.*.txt files and commit it with the change. When a version ships,
# move the lines of PublicAPI.Unshipped.txt into PublicAPI.Shipped.txt by hand (this script never edits Shipped).
#
#   tools/update-public-api.sh        (from anywhere in the repository; takes a few builds)
#
# How: each Unshipped list is emptied, the project is built, and the symbol of every RS0016 diagnostic (the analyzer
# prints it in the baseline's own format) is added. `dotnet format analyzers --diagnostics RS0016` would apply the
# analyzer's code fix instead, but a code fix does not reach diagnostics inside generated files.
set -euo pipefail
cd "$(dirname "$0")/.."

projects=(src/Modules.Tensors/Modules.Tensors.csproj src/Modules/Modules.csproj src/Modules.Dnc/Modules.Dnc.csproj src/Modules.Distributed/Modules.Distributed.csproj)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

build() {   # build "$1" reporting every diagnostic without stopping at the first failing project
  dotnet build "$1" -c Release -nologo -clp:NoSummary -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
}

dotnet restore "${projects[2]}" -nologo -v q
# Dependencies first: a project's build needs its references' baselines complete.
for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  [[ -f "$dir/PublicAPI.Shipped.txt" ]] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  build "$project"
  grep -F "[$PWD/$project]" "$log" | grep -F 'RS0016' \
    | sed -n "s/.* RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" \
    | LC_ALL=C sort -u >> "$dir/PublicAPI.Unshipped.txt"
  # The list must now be complete: no RS0016/RS0017 (nor any other warning) left.
  build "$project"
  if grep -F "[$PWD/$project]" "$log" | grep -qE ': (warning|error) RS00'; then
    grep -F "[$PWD/$project]" "$log" | grep -E ': (warning|error) RS00' | sort -u >&2
    echo "$dir: the public API baseline is still incomplete (above)" >&2
    exit 1
  fi
  echo "$dir: $(( $(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1 )) lines in PublicAPI.Unshipped.txt"
done
