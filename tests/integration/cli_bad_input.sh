#!/usr/bin/env bash
# Bad input to `offhook call`: each case must print exactly one line on stderr naming the problem,
# exit non-zero, not crash (exit < 128), and leave no output file.
set -u
offhook=$1
speech=$2
work=$(mktemp -d)
holder=
trap '[[ -n $holder ]] && kill $holder 2>/dev/null; rm -rf "$work"' EXIT
failures=0

# A stereo WAV and a text file posing as a WAV.
sox -q -n -r 8000 -c 2 -b 16 "$work/stereo.wav" synth 0.5 sine 440
echo "not audio" > "$work/text.wav"
# A port that is taken for the whole run.
/usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(60)' >"$work/port" 2>/dev/null &
holder=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
busy_port=$(cat "$work/port")

check() {  # check NAME EXPECTED_WORD ARGS...   (offhook call; OFFHOOK_CMD=demo for offhook demo)
  local name=$1 word=$2
  shift 2
  local out="$work/out_$name.wav"
  if [[ ${OFFHOOK_CMD:-call} == demo ]]; then
    "$offhook" demo --out "$out" "$@" 2>"$work/err" >/dev/null
  else
    "$offhook" call --out "$out" "$@" 2>"$work/err" >/dev/null
  fi
  local rc=$?
  local lines
  lines=$(wc -l <"$work/err")
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then
    echo "FAIL $name: exit code $rc"; failures=$((failures + 1))
  elif [[ $lines -ne 1 ]]; then
    echo "FAIL $name: $lines lines on stderr:"; cat "$work/err"; failures=$((failures + 1))
  elif ! grep -qi -- "$word" "$work/err"; then
    echo "FAIL $name: stderr does not mention '$word':"; cat "$work/err"; failures=$((failures + 1))
  elif ls "$work" | grep -q "out_$name"; then
    echo "FAIL $name: left an output file"; failures=$((failures + 1))
  else
    echo "ok   $name: $(cat "$work/err")"
  fi
}

check missing_file   "no such file"   --in "$work/missing.wav"
check stereo         "channel"        --in "$work/stereo.wav"
check not_a_wav      "not a readable" --in "$work/text.wav"
check unknown_codec  "G.726"          --in "$speech" --codec G.726
check unknown_suite  "AES_CM_999"     --in "$speech" --srtp AES_CM_999
check bad_key_b64    "key-a"          --in "$speech" --key-a 'inline:!!!notbase64!!!'
check short_key      "key-a"          --in "$speech" --key-a 'inline:c2hvcnQ='
check port_in_use    "$busy_port"     --in "$speech" --port-a "$busy_port"
check bad_duration   "duration"       --in "$speech" --duration abc
check unknown_option "--frobnicate"   --in "$speech" --frobnicate

# offhook demo: bad material and flags fail before any phone starts (and write no --out folder).
OFFHOOK_CMD=demo check demo_missing_wav "no such file" --b-in "$work/missing.wav"
OFFHOOK_CMD=demo check demo_stereo      "channel"      --a-in "$work/stereo.wav"
OFFHOOK_CMD=demo check demo_codec       "G.726"        --codec G.726
OFFHOOK_CMD=demo check demo_profile     "known"        --profile moon
OFFHOOK_CMD=demo check demo_suite       "AES_CM_999"   --srtp AES_CM_999
OFFHOOK_CMD=demo check demo_country     "XX"           --country XX
OFFHOOK_CMD=demo check demo_talk        "talk-s"       --talk-s 0

echo "$((17 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
