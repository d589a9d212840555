#!/usr/bin/env bash
# The service under load on loopback, with wrk (Debian package): GET /v1/jobs/{id} at 64
# connections; the same while 1,000 idle keep-alive connections and 200 event streams
# are open; then the acceptance latency of 1,000 job submissions one after another.
# wrk runs one thread: on a 2-core machine a second one only takes CPU from the server it
# measures (one thread keeps 64 connections busy at 20k requests/s).
# Usage: bench/service_load.sh [SECONDS]   (default 10; needs build/release, wrk, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
atlas=$PWD/build/release/apps/atlas
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
work=$(mktemp -d)
server=""
trap '[[ -n $server ]] && kill $server 2> /dev/null; wait 2> /dev/null; rm -rf "$work"' EXIT

key=$("$atlas" keys create --tenant bench --data "$work/data" 2> /dev/null)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
# No workers: submitted jobs stay queued, so the figures are the API's alone.
"$atlas" serve --listen 127.0.0.1:$port --data "$work/data" --workers 0 --rate-limit 0 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done

auth="Authorization: Bearer $key"
asset=$(curl -sf -H "$auth" --data-binary @examples/404-hamburger.ply \
  "$base/v1/assets?filename=404-hamburger.ply" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
job=$(curl -sf -H "$auth" -d "{\"pipeline\": \"archive\", \"inputs\": [\"$asset\"]}" \
  "$base/v1/jobs" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

echo "== GET /v1/jobs/{id}, 64 connections, ${seconds} s"
wrk -t1 -c64 -d"${seconds}s" --latency -H "$auth" "$base/v1/jobs/$job" | grep -E "Requests/sec|^ +(50|99)%"

echo "== the same with 1,000 idle keep-alive connections and 200 event streams open"
python3 - "$port" "$key" "$job" "$seconds" "$base/v1/jobs/$job" << 'PY' &
import socket, sys, time
port, key, job, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
held = []
for i in range(1000):  # idle keep-alive: one answered request, then silence
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)
    held.append(s)
for i in range(200):  # event streams, left open
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /v1/jobs/%s/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Accept: text/event-stream\r\n\r\n" % (job, key)).encode())
    held.append(s)
print("holding %d connections" % len(held), flush=True)
time.sleep(seconds + 5)
PY
holder=$!
sleep 4
wrk -t1 -c64 -d"${seconds}s" --latency -H "$auth" "$base/v1/jobs/$job" | grep -E "Requests/sec|^ +(50|99)%"
wait $holder

echo "== 1,000 job submissions, one after another"
python3 - "$port" "$key" "$asset" << 'PY'
import http.client, json, statistics, sys, time
port, key, asset = int(sys.argv[1]), sys.argv[2], sys.argv[3]
connection = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"pipeline": "archive", "inputs": [asset]})
times = []
for i in range(1000):
    start = time.perf_counter()
    connection.request("POST", "/v1/jobs", body, {"Authorization": "Bearer " + key,
                                                  "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    times.append((time.perf_counter() - start) * 1000)
    assert response.status == 202, response.status
times.sort()
print("acceptance latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms" %
      (times[499], times[989], times[-1]))
PY
