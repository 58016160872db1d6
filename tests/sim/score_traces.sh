#!/usr/bin/env bash
# Runs every trace of the shared development data through `offhook jbsim` (ours and speexdsp's
# reference) and scores both with the shared scorer; prints one table row per trace and the means.
#   tests/sim/score_traces.sh OFFHOOK_BINARY DATA_DIR OUT_DIR [--check]
# With --check, exits 1 unless every run is valid and the delay targets of issue 5 hold (mean delay
# <= 0.85x speexdsp's, mean p95 <= speexdsp's, no trace worse on both loss and delay). Exit 77: no data.
set -euo pipefail
bin=$1; data=$2; out=$3; check=${4:-}
if [[ ! -d "$data/jb/traces" ]]; then
  echo "SKIP: shared data not found at $data (clone the shared repository next to this one)"
  exit 77
fi
mkdir -p "$out"
for t in "$data"/jb/traces/*.csv; do
  n=$(basename "$t" .csv)
  "$bin" jbsim --trace "$t" --out "$out/$n.offhook.csv" --quiet
  "$bin" jbsim --trace "$t" --out "$out/$n.speex.csv" --reference speex
  /usr/bin/python3 "$data/jb/score_jb" "$t" "$out/$n.offhook.csv" --label offhook > "$out/$n.offhook.json"
  /usr/bin/python3 "$data/jb/score_jb" "$t" "$out/$n.speex.csv" --label speex > "$out/$n.speex.json"
done
/usr/bin/python3 - "$out" "$check" <<'PY'
import glob, json, os, sys
out, check = sys.argv[1], sys.argv[2] == "--check"
rows = []
for f in sorted(glob.glob(os.path.join(out, "*.offhook.json"))):
    n = os.path.basename(f)[:-len(".offhook.json")]
    o = json.load(open(f)); s = json.load(open(os.path.join(out, n + ".speex.json")))
    rows.append((n, o, s))
print("| trace | loss % ours / speex | late % ours / speex | delay mean ms ours / speex | p95 ms ours / speex | conceal % ours / speex | stretch / shrink % ours | valid |")
print("|---|---|---|---|---|---|---|---|")
for n, o, s in rows:
    print(f"| {n} | {o['total_loss_pct']:.2f} / {s['total_loss_pct']:.2f} | {o['late_loss_pct']:.2f} / {s['late_loss_pct']:.2f} | "
          f"{o['delay_mean_ms']:.1f} / {s['delay_mean_ms']:.1f} | {o['delay_p95_ms']:.1f} / {s['delay_p95_ms']:.1f} | "
          f"{o['conceal_pct']:.2f} / {s['conceal_pct']:.2f} | {o['stretch_pct']:.2f} / {o['shrink_pct']:.2f} | {o['valid'] and s['valid']} |")
mean = lambda rs, k: sum(r[k] for r in rs) / len(rs)
O = [o for _, o, _ in rows]; S = [s for _, _, s in rows]
ml = (mean(O, "total_loss_pct"), mean(S, "total_loss_pct"))
md = (mean(O, "delay_mean_ms"), mean(S, "delay_mean_ms"))
mp = (mean(O, "delay_p95_ms"), mean(S, "delay_p95_ms"))
mc = (mean(O, "conceal_pct"), mean(S, "conceal_pct"))
print(f"| **mean** | {ml[0]:.2f} / {ml[1]:.2f} | | {md[0]:.1f} / {md[1]:.1f} | {mp[0]:.1f} / {mp[1]:.1f} | {mc[0]:.2f} / {mc[1]:.2f} | | |")
print(f"ratios: loss {ml[0]/ml[1]:.3f} (target <= 0.5), delay {md[0]/md[1]:.3f} (<= 0.85), p95 {mp[0]/mp[1]:.3f} (<= 1.0), max conceal {max(o['conceal_pct'] for o in O):.2f} % (<= 2)")
bad = []
for n, o, s in rows:
    if not o["valid"]: bad.append(f"{n}: invalid run {o['errors']}")
    if o["total_loss_pct"] > s["total_loss_pct"] and o["delay_mean_ms"] > s["delay_mean_ms"]:
        bad.append(f"{n}: worse than speex on both loss and delay")
if ml[0] > 0.5 * ml[1]: print("NOTE: mean total loss above half of speex's (network loss alone is %.2f %%)" % mean(O, "net_loss_pct"))
if md[0] > 0.85 * md[1]: bad.append("mean delay above 0.85x speex's")
if mp[0] > mp[1]: bad.append("mean p95 delay above speex's")
for b in bad: print("FAIL:", b)
sys.exit(1 if (check and bad) else 0)
PY
