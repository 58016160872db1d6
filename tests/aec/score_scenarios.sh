#!/bin/sh
# Runs `offhook aec` (ours) and `offhook aec --reference speex` (speexdsp alone) on every scenario
# of the shared AEC data and scores both with score_aec. Prints one summary line per scenario and
# run; keeps the JSON and WAVs in OUT_DIR. Exit 77 (skipped) when the data or python3 is absent.
# Usage: score_scenarios.sh OFFHOOK_BINARY DATA_DIR [OUT_DIR]
set -eu
offhook=$1
data=$2
out=${3:-$(mktemp -d)}
py=/usr/bin/python3
if [ ! -d "$data/aec/data" ] || [ ! -x "$py" ]; then
  echo "score_scenarios: no AEC data under $data (or no $py): skipped"
  exit 77
fi
mkdir -p "$out"
for d in "$data"/aec/data/*/; do
  n=$(basename "$d")
  for kind in offhook speex; do
    set --
    [ "$kind" = speex ] && set -- --reference speex
    "$offhook" aec --far "$d/far.wav" --mic "$d/mic.wav" --out "$out/$n.$kind.wav" --quiet "$@"
    "$py" "$data/aec/score_aec" "$d" "$out/$n.$kind.wav" --label "$kind" > "$out/$n.$kind.json"
    "$py" - "$out/$n.$kind.json" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
def f(k, fmt="{:.1f}"):
    v = j.get(k)
    return "-" if v is None else fmt.format(v)
print(f"{j['scenario']:<18} {j.get('label', ''):<8} erle {f('erle_db')} dB  conv {f('convergence_s', '{:.2f}')} s"
      f"  reconv {f('reconvergence_s', '{:.2f}')} s  dt_gain {f('dt_near_gain_db')} dB"
      f"  dt_segsnr {f('dt_segsnr_db')}/{f('dt_segsnr_mic_db')} dB  warnings {len(j.get('level', {}).get('warnings', []))}")
valid = j.get("level", {}).get("length_diff_samples", 1) == 0 and not j.get("level", {}).get("all_zero", True)
sys.exit(0 if valid else 1)
PYEOF
  done
done
