#!/usr/bin/env bash
# Samples the DNC training loop (benchmarks/Modules.Benchmarks `dnc-train`) with dotnet-trace and prints the top
# functions of the training thread by exclusive and inclusive time. `ntm` profiles the NTM at the paper's copy
# configuration instead (`dnc-train --model ntm --task copy`, the configuration of `compare.sh --model ntm`).
#
# Usage: benchmarks/profiling/profile.sh defaults|large|ntm [--top N] [--no-build] [-- extra dnc-train flags]
# Needs dotnet-trace: installed on first use into $TOOLS (default ~/.dotnet-tools) from the package registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${TOOLS:-$HOME/.dotnet-tools}"
CONFIG="${1:-defaults}"; shift || true
TOP=20
BUILD=1
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --top) TOP="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$CONFIG" in
  defaults) FLAGS=(--warmup-steps 60 --steps 300) ;;
  large) FLAGS=(--batch-size 32 --memory-size 128 --word-size 32 --hidden-size 256 --num-bits 8 --max-length 5 --warmup-steps 5 --steps 15) ;;
  ntm) FLAGS=(--model ntm --task copy --batch-size 16 --memory-size 128 --word-size 20 --hidden-size 100 --num-read-heads 1
         --num-write-heads 1 --num-bits 8 --min-length 1 --max-length 20 --warmup-steps 20 --steps 60) ;;
  *) echo "error: configuration must be defaults, large or ntm, got $CONFIG" >&2; exit 2 ;;
esac

if [[ ! -x "$TOOLS/dotnet-trace" ]]; then
  echo "installing dotnet-trace into $TOOLS..."
  dotnet tool install --tool-path "$TOOLS" dotnet-trace > /dev/null
fi
if [[ $BUILD -eq 1 ]]; then
  dotnet build "$ROOT/benchmarks/Modules.Benchmarks" -c Release --nologo -v q > /dev/null
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$TOOLS/dotnet-trace" collect --format Speedscope -o "$WORK/trace.nettrace" -- \
  "$ROOT/benchmarks/Modules.Benchmarks/bin/Release/net10.0/Modules.Benchmarks" dnc-train "${FLAGS[@]}" "${EXTRA[@]}" > "$WORK/run.log" 2>&1
grep '^RESULT' "$WORK/run.log" || true
python3 "$ROOT/benchmarks/profiling/top_frames.py" "$WORK/trace.speedscope.json" --top "$TOP" | cut -c1-170
