-- Small-request HTTPS flood for wrk: GET of a tiny resource on keep-alive connections. Not an LLM
-- route: the agent captures and parses it, then counts it as an ignored exchange.
local headers = { ["Accept"] = "text/plain" }
function request()
  return wrk.format("GET", "/healthz", headers, nil)
end
