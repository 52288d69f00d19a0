-- POST /v1/calls with a JSON body; the agent id comes from the environment (set by run.py).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "sk_test_emulator")
wrk.body = '{"agent_id": "' .. os.getenv("BENCH_AGENT_ID") .. '", "to": "' ..
           (os.getenv("BENCH_TO") or "+15005550006") .. '", "metadata": {"bench": "wrk"}}'
