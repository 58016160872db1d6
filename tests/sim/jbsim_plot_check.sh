#!/usr/bin/env bash
# `offhook jbsim --plot` on a shared trace, ours and speexdsp's: each SVG must be well-formed XML
# (python3 xml.etree) and carry its series with content. Exit 77 when the shared data is absent.
#   tests/sim/jbsim_plot_check.sh OFFHOOK_BINARY DATA_DIR OUT_DIR
set -euo pipefail
bin=$1; data=$2; out=$3
trace="$data/jb/traces/dev_mobile.csv"
if [[ ! -f "$trace" ]]; then
  echo "SKIP: shared data not found at $data"
  exit 77
fi
mkdir -p "$out"
"$bin" jbsim --trace "$trace" --out "$out/plot.offhook.csv" --quiet --plot "$out/dev_mobile.offhook.svg"
"$bin" jbsim --trace "$trace" --out "$out/plot.speex.csv" --reference speex --plot "$out/dev_mobile.speex.svg"
/usr/bin/python3 - "$out/dev_mobile.offhook.svg" "$out/dev_mobile.speex.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
def check(path, want_target):
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == NS + "svg", root.tag
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    need = ["network-delay", "playout-delay", "lost", "conceal", "stretch", "shrink", "legend"]
    if want_target: need.append("target-delay")
    for i in need: assert i in ids, f"{path}: no {i}"
    dots = len(ids["network-delay"].findall(NS + "circle"))
    assert 500 < dots <= 3000, f"{path}: {dots} network-delay dots"
    for line in ["playout-delay"] + (["target-delay"] if want_target else []):
        pts = ids[line].get("points").split()
        assert len(pts) > 100, f"{path}: {line} has {len(pts)} points"
        for p in pts: x, y = map(float, p.split(","))
    assert len(ids["lost"]) > 0 and len(ids["conceal"]) > 0, f"{path}: empty loss/conceal lanes"
    if not want_target: assert "target-delay" not in ids
    texts = "".join(root.itertext())
    assert "time (s" in texts and "delay" in texts
    print(f"{path}: ok, {dots} dots, {sum(len(ids[k]) for k in ('conceal','stretch','shrink'))} event runs")
check(sys.argv[1], True)
check(sys.argv[2], False)
PY
