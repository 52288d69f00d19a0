-- VoxBridge's POST /v1/calls/outbound with a JSON body (the org's default outbound agent places it).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "sk_live_emulator")
wrk.body = '{"to": "' .. (os.getenv("BENCH_TO") or "5551234567") .. '", "metadata": {"bench": "wrk"}}'
