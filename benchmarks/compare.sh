#!/usr/bin/env bash
# Side-by-side DNC training speed: our library (benchmarks/Modules.Benchmarks `dnc-train` mode) against the
# PyTorch reference (benchmarks/reference/train_dnc.py), alternating runs, on DeepMind's repeat-copy defaults
# and on a large configuration. Both sides train on identical batches (the same seeded episode stream) with
# the same step: unroll, masked sigmoid cross-entropy, backward, global-norm clip 50, TF1 RMSProp.
#
# With --model ntm it trains our NTM (`dnc-train --model ntm --task copy`) against benchmarks/reference/train_ntm.py instead, on the NTM
# paper's copy configuration (LSTM controller 100, memory 128x20, 1 read and 1 write head, 8 bits, lengths 1-20, batch
# 16), in bits, with the same clipping and optimizer; NTM_WARMUP/NTM_STEPS (100/30) set its run lengths (after 20 warm-up steps part of our loop still ran
# tier-0 or instrumented code: 57-59 against 62-66 steps/s after 100).
#
# Usage: benchmarks/compare.sh [--model dnc|ntm] [--rounds R] [--no-build] [--no-check]
# Environment: PYTHON (default /usr/bin/python3, Debian's python3-torch), TORCH_THREADS (default "2 1": PyTorch
#   runs once per thread count and the ratio is taken against its faster setting; stock libgomp spins, so with
#   2 threads PyTorch slows down up to 10x when other processes share the 2 cores, and 1 thread is then faster;
#   OMP_WAIT_POLICY is passed through if set), DEFAULTS_WARMUP/DEFAULTS_STEPS (1000/500),
#   LARGE_WARMUP/LARGE_STEPS (8/20), BATCH_SHARDS (default 2: our side cuts each batch into two shards that train on
#   the two cores at once, TrainerOptions.BatchShards / --batch-shards; 1 runs the whole batch on one thread). Both sides
#   get the same warm-up, long enough for .NET's tiered JIT to reach its final code: with both cores training, the
#   background tier-1 compiles compete with them, and at the defaults the sharded step ran at 720 steps/s after 300
#   warm-up steps, 956 after 1 000 and 963 after 3 000 (one thread: steady after 300); training runs last thousands of steps.
# Prints per configuration: steps/s of each side per round, their means, the ratio, and each process's peak
# resident memory (GNU time's maximum RSS); for our side also the bytes allocated per step, the gen-1/gen-2
# collections, and the analytic FLOPs per step with the GFLOP/s achieved as a fraction of the machine's nominal peak
# (cores, vector width and vendor detected at run time, 2 FMA pipes per core, the clock /proc/cpuinfo reports) and of
# the peak an FMA loop measures right after the run. Before timing, a same-start check gives both sides the same
# initial parameters and compares their losses over a few steps.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
TORCH_THREADS="${TORCH_THREADS:-2 1}"
BATCH_SHARDS="${BATCH_SHARDS:-2}"
ROUNDS=2
MODEL=dnc
BUILD=1
CHECK=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-check) CHECK=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$MODEL" in
  dnc|ntm) ;;
  *) echo "error: --model must be dnc or ntm, got '$MODEL'" >&2; exit 2 ;;
esac
OURS="$ROOT/benchmarks/Modules.Benchmarks/bin/Release/net10.0/Modules.Benchmarks"
REFERENCE="$ROOT/benchmarks/reference/train_$MODEL.py"
GNU_TIME=/usr/bin/time
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export DOTNET_PROCESSOR_COUNT=2 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ ! -x "$GNU_TIME" ]]; then echo "error: $GNU_TIME (GNU time) is needed for peak memory: apt-get install time" >&2; exit 1; fi
if [[ $BUILD -eq 1 ]]; then
  echo "building benchmarks/Modules.Benchmarks (Release)..."
  dotnet build "$ROOT/benchmarks/Modules.Benchmarks" -c Release --nologo -v q > "$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
fi
HAVE_TORCH=1
TORCH_VERSION="$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null)" || HAVE_TORCH=0

declare -A FLAGS DESCRIPTION WARMUP STEPS MODEL_FLAGS
# Our side is the training command's own step (dnc-train mode), told the model and task; the reference has one script per model.
MODEL_FLAGS[defaults]=""; MODEL_FLAGS[large]=""; MODEL_FLAGS[copy]="--model ntm --task copy"
FLAGS[defaults]="--batch-size 16 --memory-size 16 --word-size 16 --hidden-size 64 --num-read-heads 4 --num-write-heads 1 --num-bits 4 --min-length 1 --max-length 2 --min-repeats 1 --max-repeats 2"
DESCRIPTION[defaults]="batch 16, memory 16x16, hidden 64, 4 reads, 1 write, 4 bits, length 1-2, repeats 1-2"
WARMUP[defaults]="${DEFAULTS_WARMUP:-1000}"; STEPS[defaults]="${DEFAULTS_STEPS:-500}"
FLAGS[large]="--batch-size 32 --memory-size 128 --word-size 32 --hidden-size 256 --num-read-heads 4 --num-write-heads 1 --num-bits 8 --min-length 1 --max-length 5 --min-repeats 1 --max-repeats 2"
DESCRIPTION[large]="batch 32, memory 128x32, hidden 256, 4 reads, 1 write, 8 bits, length 1-5, repeats 1-2"
WARMUP[large]="${LARGE_WARMUP:-8}"; STEPS[large]="${LARGE_STEPS:-20}"
FLAGS[copy]="--batch-size 16 --memory-size 128 --word-size 20 --hidden-size 100 --num-read-heads 1 --num-write-heads 1 --num-bits 8 --min-length 1 --max-length 20"
DESCRIPTION[copy]="NTM, batch 16, memory 128x20, hidden 100, 1 read, 1 write, 8 bits, length 1-20"
WARMUP[copy]="${NTM_WARMUP:-100}"; STEPS[copy]="${NTM_STEPS:-30}"
if [[ $MODEL == ntm ]]; then CONFIGS=(copy); else CONFIGS=(defaults large); fi

# run SIDE CONFIG LOGFILE [extra flags...]: one process under GNU time; its peak RSS (KiB) goes to LOGFILE.rss.
# SIDE is "modules" or "pytorch-<threads>t".
run() {
  local side="$1" config="$2" log="$3"; shift 3
  local cmd
  # shellcheck disable=SC2206
  local flags=(${FLAGS[$config]})
  if [[ $side == modules ]]; then cmd=("$OURS" dnc-train ${MODEL_FLAGS[$config]} "${flags[@]}" --batch-shards "$BATCH_SHARDS")
  else local threads="${side#pytorch-}"; cmd=("$PYTHON" "$REFERENCE" --threads "${threads%t}" "${flags[@]}"); fi
  "$GNU_TIME" -f '%M' -o "$log.rss" "${cmd[@]}" "$@" > "$log" 2>&1 || { echo "error: $side failed:" >&2; cat "$log" >&2; exit 1; }
}

field() { grep '^RESULT' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

SIDES=(modules)
if [[ $HAVE_TORCH -eq 1 ]]; then for t in $TORCH_THREADS; do SIDES+=("pytorch-${t}t"); done; fi
echo "machine: $(nproc) cores, $(uname -r); dotnet $(dotnet --version); pytorch ${TORCH_VERSION:-not installed} (threads: $TORCH_THREADS; OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}); ours: --batch-shards $BATCH_SHARDS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $HAVE_TORCH -eq 1 ]] || echo "PyTorch is not importable with $PYTHON: only our side is timed (apt-get install -y python3-torch)."

for config in "${CONFIGS[@]}"; do
  echo
  echo "== $config: ${DESCRIPTION[$config]}"
  echo "   warm-up ${WARMUP[$config]} steps, then ${STEPS[$config]} timed steps per run, $ROUNDS rounds alternating"

  if [[ $CHECK -eq 1 && $HAVE_TORCH -eq 1 ]]; then
    init="$WORK/init-$config.safetensors"
    run modules "$config" "$WORK/check-ours.log" --warmup-steps 0 --steps 3 --print-losses --export-init "$init"
    run "${SIDES[1]}" "$config" "$WORK/check-ref.log" --warmup-steps 0 --steps 3 --print-losses --init-from "$init"
    paste <(grep '^step' "$WORK/check-ours.log" | awk '{print $5}') <(grep '^step' "$WORK/check-ref.log" | awk '{print $5}') \
      | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; s = s sprintf(" %s/%s", $1, $2) }
             END { printf "   same-start check (losses ours/pytorch):%s; max |diff| %.2g\n", s, m }'
  fi

  declare -A SUM=() RSS=()
  for side in "${SIDES[@]}"; do SUM[$side]=0; RSS[$side]=0; done
  for ((round = 1; round <= ROUNDS; round++)); do
    # Alternate the order, so a slow phase of the machine does not always hit the same side.
    order=("${SIDES[@]}")
    if (( round % 2 == 0 )); then order=(); for ((i = ${#SIDES[@]} - 1; i >= 0; i--)); do order+=("${SIDES[i]}"); done; fi
    for side in "${order[@]}"; do
      log="$WORK/$config-$side-$round.log"
      run "$side" "$config" "$log" --warmup-steps "${WARMUP[$config]}" --steps "${STEPS[$config]}"
      sps="$(field "$log" steps_per_second)"; ms="$(field "$log" ms_per_step)"; rss="$(cat "$log.rss")"
      extra=""
      if [[ $side == modules ]]; then
        # Our side also reports its allocation per step and the analytic FLOP rate against the machine's peak (LIMIT line).
        extra="$(awk '/^RESULT/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] } }
                      /^LIMIT/  { for (i = 1; i <= NF; i++) { split($i, kv, "="); l[kv[1]] = kv[2] } }
                      END { printf "  alloc %.0f KB/step, gen1+2 %d", r["allocated_bytes_per_step"] / 1024, r["gen1"] + r["gen2"]
                            # Only models with an analytic FLOP count (the DNC) print a LIMIT line.
                            if ("mflop_per_step" in l)
                              printf "; %.1f MFLOP/step, %.2f GFLOP/s = %.1f%% of nominal peak %s, %.1f%% of measured %s GFLOP/s",
                                l["mflop_per_step"], l["gflops"], 100 * l["fraction_of_nominal_peak"], l["peak_gflops_nominal"],
                                100 * l["fraction_of_measured_peak"], l["peak_gflops_measured"] }' "$log")"
      fi
      printf '   round %d  %-10s %8.2f steps/s  %8.2f ms/step  peak RSS %5s MiB  (load %s)%s\n' \
        "$round" "$side" "$sps" "$ms" "$(mib "$rss")" "$(cut -d' ' -f1 /proc/loadavg)" "$extra"
      SUM[$side]="$(awk -v a="${SUM[$side]}" -v b="$sps" 'BEGIN { print a + b }')"
      (( rss > RSS[$side] )) && RSS[$side]=$rss
    done
  done
  mean() { awk -v s="${SUM[$1]}" -v n="$ROUNDS" 'BEGIN { printf "%.2f", s / n }'; }
  line="   $config: modules $(mean modules) steps/s, peak RSS $(mib "${RSS[modules]}") MiB"
  best=""
  for side in "${SIDES[@]:1}"; do
    line+=" | $side $(mean "$side") steps/s, peak RSS $(mib "${RSS[$side]}") MiB, ratio $(awk -v a="$(mean modules)" -v b="$(mean "$side")" 'BEGIN { printf "%.2f", a / b }')x"
    if [[ -z $best ]] || awk -v a="$(mean "$side")" -v b="$(mean "$best")" 'BEGIN { exit !(a > b) }'; then best=$side; fi
  done
  echo "$line"
  if [[ -n $best ]]; then
    printf '   %s: modules/pytorch %sx against the faster PyTorch setting (%s); peak RSS modules %s MiB, pytorch %s MiB\n' \
      "$config" "$(awk -v a="$(mean modules)" -v b="$(mean "$best")" 'BEGIN { printf "%.2f", a / b }')" "$best" \
      "$(mib "${RSS[modules]}")" "$(mib "${RSS[$best]}")"
  fi
  unset SUM RSS
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
