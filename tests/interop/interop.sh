#!/usr/bin/env bash
# Interop with independent RTP/SRTP implementations on loopback (ffmpeg's libavformat SRTP and
# GStreamer's srtpenc/srtpdec over libsrtp). One case per run:
#   interop.sh CASE OFFHOOK WAV_COMPARE SPEECH.wav
# CASE: ffmpeg-to-offhook:SUITE | offhook-to-ffmpeg:SUITE | gst-to-offhook:SUITE | offhook-to-gst:SUITE
#       ffmpeg-codec-to-offhook:CODEC | offhook-codec-to-ffmpeg:CODEC   (G722 or opus, plain RTP)
#       ffmpeg-sdp-to-offhook:SUITE   (offhook recv --sdp with an SDP file as ffmpeg writes it)
# The received audio must match the source (aligned normalised correlation >= 0.99, G.711 round trip).
set -euo pipefail
case_name=$1 offhook=$2 wav_compare=$3 speech=$4
direction=${case_name%%:*}
suite=${case_name#*:}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A free UDP port pair on loopback (even RTP port), chosen by the kernel.
port=$(/usr/bin/python3 -c 'import socket
for _ in range(50):
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]
    if p%2==0 and p<65000: print(p); break
    s.close()')

# Key material: base64 for SDES (offhook, ffmpeg), hex for GStreamer.
case $suite in
  AES_256_CM_HMAC_SHA1_80) key_bytes=46 gst_cipher=aes-256-icm gst_auth=hmac-sha1-80 ;;
  AEAD_AES_128_GCM)        key_bytes=28 gst_cipher=aes-128-gcm gst_auth=null ;;
  AES_CM_128_HMAC_SHA1_32) key_bytes=30 gst_cipher=aes-128-icm gst_auth=hmac-sha1-32 ;;
  *)                       key_bytes=30 gst_cipher=aes-128-icm gst_auth=hmac-sha1-80 ;;
esac
head -c "$key_bytes" /dev/urandom > "$work/key"
b64=$(base64 -w0 < "$work/key")
hex=$(od -An -tx1 -v < "$work/key" | tr -d ' \n')
ssrc=287454020
# ffmpeg's name for the standard 32-bit-tag suite (its AES_CM_128_HMAC_SHA1_32 also shortens SRTCP's).
ffmpeg_suite=$suite
[[ $suite == AES_CM_128_HMAC_SHA1_32 ]] && ffmpeg_suite=SRTP_AES128_CM_HMAC_SHA1_32
gst_caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0,ssrc=(uint)$ssrc,srtp-key=(buffer)$hex,srtp-cipher=(string)$gst_cipher,srtp-auth=(string)$gst_auth,srtcp-cipher=(string)$gst_cipher,srtcp-auth=(string)$gst_auth"
out=$work/heard.wav

# Waits (up to 10 s) until a receiver has bound UDP 127.0.0.1:$port: binding it ourselves then fails.
wait_bound() {
  /usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        sys.exit(0)
    finally:
        s.close()
    time.sleep(0.05)
sys.exit("receiver never bound port %d" % port)
PY
  sleep 0.2
}

case $direction in
  ffmpeg-to-offhook)
    "$offhook" recv --port "$port" --out "$out" --srtp "$suite:inline:$b64" --duration 30 --jitter-delay 120 &
    wait_bound
    ffmpeg -hide_banner -loglevel error -nostdin -re -i "$speech" -af asetnsamples=n=160 -c:a pcm_mulaw -f rtp \
      -ssrc "$ssrc" -srtp_out_suite "$ffmpeg_suite" -srtp_out_params "$b64" "srtp://127.0.0.1:$port" > /dev/null
    wait %1
    ;;
  offhook-to-ffmpeg)
    printf 'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=offhook\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio %s RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=crypto:1 %s inline:%s\n' \
      "$port" "$ffmpeg_suite" "$b64" > "$work/recv.sdp"
    duration=$(soxi -D "$speech")
    timeout -s INT "$(awk -v d="$duration" "BEGIN { print int(d + 5) }")" ffmpeg -hide_banner -loglevel error -nostdin -y \
      -protocol_whitelist file,udp,rtp,srtp -i "$work/recv.sdp" "$out" &
    wait_bound
    "$offhook" send --in "$speech" --to "127.0.0.1:$port" --srtp "$suite:inline:$b64" --ssrc "$ssrc"
    wait %1 || true  # ffmpeg ends on SIGINT from timeout
    ;;
  gst-to-offhook)
    "$offhook" recv --port "$port" --out "$out" --srtp "$suite:inline:$b64" --duration 30 --jitter-delay 120 &
    wait_bound
    gst-launch-1.0 -q filesrc location="$speech" ! wavparse ! audioconvert ! audioresample \
      ! audio/x-raw,rate=8000,channels=1 ! audiobuffersplit output-buffer-duration=1/50 ! mulawenc \
      ! rtppcmupay ssrc=$ssrc ! srtpenc key="$hex" rtp-cipher=$gst_cipher rtp-auth=$gst_auth \
        rtcp-cipher=$gst_cipher rtcp-auth=$gst_auth ! udpsink host=127.0.0.1 port="$port" sync=true > /dev/null
    wait %1
    ;;
  offhook-to-gst)
    duration=$(soxi -D "$speech")
    timeout -s INT "$(awk -v d="$duration" "BEGIN { print int(d + 5) }")" gst-launch-1.0 -q -e udpsrc address=127.0.0.1 port="$port" \
      caps="$gst_caps" ! srtpdec ! rtpjitterbuffer latency=200 ! rtppcmudepay ! mulawdec ! wavenc \
      ! filesink location="$out" &
    wait_bound
    "$offhook" send --in "$speech" --to "127.0.0.1:$port" --srtp "$suite:inline:$b64" --ssrc "$ssrc"
    wait %1 || true
    ;;
  ffmpeg-sdp-to-offhook)
    printf 'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat\nm=audio %s RTP/AVP 0\nb=AS:64\na=crypto:1 %s inline:%s\n' \
      "$port" "$suite" "$b64" > "$work/stream.sdp"
    "$offhook" recv --sdp "$work/stream.sdp" --out "$out" --duration 30 --jitter-delay 120 &
    wait_bound
    ffmpeg -hide_banner -loglevel error -nostdin -re -i "$speech" -af asetnsamples=n=160 -c:a pcm_mulaw -f rtp \
      -ssrc "$ssrc" -srtp_out_suite "$ffmpeg_suite" -srtp_out_params "$b64" "srtp://127.0.0.1:$port" > /dev/null
    wait %1
    ;;
  ffmpeg-codec-to-offhook)  # ffmpeg's own G.722 and libopus encoders, decoded by offhook
    codec=$suite
    case $codec in
      G722) enc=(-ar 16000 -af asetnsamples=n=320 -c:a g722) pt=9 ;;
      opus) enc=(-ac 1 -c:a libopus -b:a 32k) pt=97 ;;
    esac
    "$offhook" recv --port "$port" --out "$out" --codec "$codec" --pt "$pt" --rate 8000 --duration 30 \
      --jitter-delay 120 &
    wait_bound
    ffmpeg -hide_banner -loglevel error -nostdin -re -i "$speech" "${enc[@]}" -f rtp "rtp://127.0.0.1:$port" > /dev/null
    wait %1
    ;;
  offhook-codec-to-ffmpeg)  # offhook's encoders, decoded by ffmpeg (libavcodec's G.722, libopus)
    codec=$suite
    case $codec in
      G722) rtpmap="9 G722/8000" pt=9 ;;
      opus) rtpmap="96 opus/48000/2" pt=96 ;;
    esac
    printf 'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=offhook\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio %s RTP/AVP %s\na=rtpmap:%s\n' \
      "$port" "$pt" "$rtpmap" > "$work/recv.sdp"
    duration=$(soxi -D "$speech")
    timeout -s INT "$(awk -v d="$duration" "BEGIN { print int(d + 5) }")" ffmpeg -hide_banner -loglevel error -nostdin -y \
      -protocol_whitelist file,udp,rtp -i "$work/recv.sdp" -ar 8000 -ac 1 "$out" &
    wait_bound
    "$offhook" send --in "$speech" --to "127.0.0.1:$port" --codec "$codec" --pt "$pt"
    wait %1 || true
    ;;
  *) echo "unknown case $case_name" >&2; exit 2 ;;
esac
# Waveform codecs and ffmpeg's decoders reproduce the speech closely; offhook's Opus at its default
# settings measures 0.91 against the source (a perceptual codec, phase drifts).
min_corr=0.99
[[ $direction == offhook-codec-to-ffmpeg && $suite == opus ]] && min_corr=0.85
"$wav_compare" "$speech" "$out" --min-corr "$min_corr"
