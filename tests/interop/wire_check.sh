#!/usr/bin/env bash
# What an outsider sees on the wire: tshark captures `offhook send` on loopback and the RTP headers
# are checked packet by packet: one SSRC, payload type 0, sequence numbers +1, timestamps +160 (20 ms
# at 8 kHz), the marker bit on the first packet only (RFC 3551 §4.1), and SRTP's 10-byte tag.
#   wire_check.sh OFFHOOK SPEECH.wav
set -euo pipefail
offhook=$1 speech=$2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
duration=$(soxi -D "$speech")
tshark -q -i lo -f "udp dst port $port" -a "duration:$(awk -v d="$duration" 'BEGIN { print int(d + 8) }')" \
  -w "$work/cap.pcapng" 2> "$work/tshark.log" &
for _ in $(seq 100); do grep -q "Capturing on" "$work/tshark.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
key=$(head -c 30 /dev/urandom | base64 -w0)
"$offhook" send --in "$speech" --to "127.0.0.1:$port" --ssrc 4660 --srtp "AES_CM_128_HMAC_SHA1_80:inline:$key" > "$work/send.log"
sleep 0.5
kill -INT %1 2>/dev/null || true
wait %1 2>/dev/null || true
sent=$(sed -n 's/^sent \([0-9]*\) packets.*/\1/p' "$work/send.log")
tshark -r "$work/cap.pcapng" -d "udp.port==$port,rtp" -T fields -e rtp.seq -e rtp.timestamp -e rtp.marker \
  -e rtp.ssrc -e rtp.p_type -e udp.length 2>/dev/null > "$work/rtp.tsv"
awk -v sent="$sent" '
  NR == 1 { if ($3 != 1) { print "first packet has no marker bit"; bad = 1 } }
  NR > 1 {
    if ($3 != 0) { print "marker bit on packet " NR; bad = 1 }
    if (($1 - seq + 65536) % 65536 != 1) { print "sequence jump " seq " -> " $1; bad = 1 }
    if (($2 - ts + 4294967296) % 4294967296 != 160) { print "timestamp step " $2 - ts " at packet " NR; bad = 1 }
  }
  { if ($4 != "0x00001234" || $5 != 0) { print "ssrc/pt " $4 "/" $5 " at packet " NR; bad = 1 }
    if ($6 != 8 + 12 + 160 + 10) { print "UDP length " $6 " (want 190: 12 header + 160 PCMU + 10 SRTP tag)"; bad = 1 }
    seq = $1; ts = $2; n++ }
  END {
    if (n != sent) { print "captured " n " packets, offhook sent " sent; bad = 1 }
    if (!bad) print "wire check ok: " n " packets, contiguous seq/ts, marker on the first only"
    exit bad
  }' "$work/rtp.tsv"
