-- GET /v1/calls/{id}, cycling through the ids listed one per line in $BENCH_IDS_FILE.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS_FILE")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local i = 0
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "sk_test_emulator")
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/v1/calls/" .. ids[i])
end
