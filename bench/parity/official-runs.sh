#!/usr/bin/env bash
# Runs the official FairFAL code under issue 8's fixed protocol for the given strategy and
# seeds, one after another, then summarises each run into bench/parity/official/ (per-cycle
# accuracy, balanced accuracy, per-class recall, labeled and queried class histograms, s_k)
# and keeps its log there. A run whose last cycle's model exists is only summarised again; an
# interrupted one resumes at its first unfinished cycle (official_resume.py: same frozen gamma_bar).
#   FAIRFAL_REF=/path/to/FairFAL bench/parity/official-runs.sh fairfal 1 2 3
#   FAIRFAL_REF=... bench/parity/official-runs.sh random 1 2 3     (run_ref.py's Random swap)
# Outputs of the official code (models, index pickles) go to $OFFICIAL_RUNS (default
# ../official-runs), outside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${FAIRFAL_REF:?set FAIRFAL_REF to the prepared official checkout (see ../shared/tools/official-fairfal/README.md)}"
strategy=$1; shift
runs=${OFFICIAL_RUNS:-$(cd .. && pwd)/official-runs}
npz=$(cd ../shared/datasets && pwd)/dermamnist-ham10000-28.npz
threads=${OMP_NUM_THREADS:-1}
mkdir -p "$runs" bench/parity/official/logs
for seed in "$@"; do
  name=$strategy-seed$seed
  out=$runs/$name
  args=(--gpu -1 --seed "$seed" --al_method fairfal --model cnn4conv --dataset dermamnist --partition dir_balance
    --dd_beta 0.1 --num_users 10 --frac 1.0 --rounds 20 --local_ep 5 --reset random --query_ratio 0.05
    --end_ratio 0.25 --save_dir "$out")
  if ! find "$out" -path '*label_ratio0.250/last.pt' 2>/dev/null | grep -q .; then
    # The last finished cycle (its model saved), if an earlier sitting was interrupted ("" for a
    # fresh seed: find fails on the missing folder, which must not end the script under pipefail).
    last=$(find "$out" -path '*label_ratio*/last.pt' 2>/dev/null | sed 's#.*label_ratio\([0-9.]*\)/last.pt#\1#' | sort -n | tail -1 || true)
    if [ -n "$last" ] && [ -f "$runs/$name.log" ]; then
      resume=$(/usr/bin/python3 -c "print(f'{$last + 0.05:.2f}')")
      gbar=$(grep -o 'mean_global_ratio:  [0-9.eE+-]*' "$runs/$name.log" | head -1 | awk '{print $2}')
      echo "$(date -u +%FT%TZ) resume official $name at ratio $resume (gamma_bar ${gbar:-none}, $threads threads)"
      (STRATEGY=$strategy MEDMNIST_NPZ=$npz OMP_NUM_THREADS=$threads FAIRFAL_GAMMA_BAR=$gbar FAIRFAL_REF=$FAIRFAL_REF \
        /usr/bin/python3 "$(pwd)/bench/parity/official_resume.py" "${args[@]}" --resume_ratio "$resume") >> "$runs/$name.log" 2>&1
    else
      echo "$(date -u +%FT%TZ) start official $name ($threads threads)"
      (cd "$FAIRFAL_REF" && STRATEGY=$strategy MEDMNIST_NPZ=$npz OMP_NUM_THREADS=$threads /usr/bin/python3 run_ref.py "${args[@]}") > "$runs/$name.log" 2>&1
    fi
    echo "$(date -u +%FT%TZ) official $name exited $?"
  fi
  cp "$runs/$name.log" "bench/parity/official/logs/$name.log"
  FAIRFAL_REF=$FAIRFAL_REF OMP_NUM_THREADS=1 /usr/bin/python3 bench/parity/official_adapter.py summarize --npz "$npz" \
    --run-dir "$out" --log "$runs/$name.log" --seed "$seed" --strategy "$strategy" --out "bench/parity/official/$name.json"
done
