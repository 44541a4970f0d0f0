/** Usage text of the CLI. */
export const CLI_USAGE = `sipprobe: place instrumented SIP test calls and report what happened

usage:
  sipprobe call <sip-uri> [--run-id ID] [--scenario-id ID] [--result-id ID] [--profile profile.json]
                          [-H "X-Name: value"]... [-u USER] [-p PASS | env SIPPROBE_PASSWORD]
                          [--transport udp|tcp|tls] [--codecs opus,pcmu,pcma] [--play in.wav] [--record out.wav]
                          [--duration 10s] [--ring-timeout 30s] [--silence-timeout 10s] [--dtmf 12#]
                          [--json out.json|-] [--report out.html] [--junit out.xml] [--pcap out.pcap]
                          [--expect OUTCOME] [--allow-voicemail] [--max-latency-p90 MS] [--min-mos N] [--max-loss PCT]
                          [--transcribe pocketsphinx] [--bind ADDRESS] [--advertise ADDRESS]
                          [--latch sdp|first-source] [--voicemail detect|hangup|off] [--srtp] [--insecure]
  sipprobe agent [--port 5080] [--address 127.0.0.1] [--transport udp|tcp] [--username U --password P]
                 [--play greeting.wav] [--record DIR] [--ring-delay 2s] [--hangup-after 30s] [--reject 486] [--echo]
  sipprobe demo [--record out.wav] [--json out.json|-] [--report out.html]
  sipprobe load <sip-uri> --calls N [--concurrency C] [--rate R/s] [--ramp 5s] [--workers W]
                          [--no-media] [--no-evaluate]
                          [--results calls.jsonl] [--json aggregate.json|-] [--junit out.xml] [call options]
  sipprobe report result.json [--html out.html] [--junit out.xml]
  sipprobe help | version

exit status: 0 the call ended as expected (--expect, default completed) and every threshold held;
             1 it did not (each reason on stderr, as FAILED: …); 2 usage or input error.
--json - writes only JSON to stdout; everything for humans goes to stderr.
--bind 0.0.0.0 advertises, per target, the local address routed to it; --advertise ADDRESS (a public
address behind NAT) is written in Via, Contact, From and SDP instead.
--srtp offers SDES-SRTP (RTP/SAVP, AES_CM_128_HMAC_SHA1_80/_32); an answer without it fails the call
(codec mismatch). The keys travel in the SDP: use --transport tls, or the result warns SRTP_WITHOUT_TLS.
--voicemail: a greeting then one steady beep is an answering machine: detect (default; end reason
voicemail) or hangup right after the beep; off skips it (load runs with --no-evaluate do). A call
that reached voicemail fails --expect completed (exit 1) unless --allow-voicemail.
`;
