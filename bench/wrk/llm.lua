-- LLM-shaped load for wrk: POST /v1/chat/completions with 2-20 KB JSON bodies asking for an SSE
-- stream (the origin answers with ~200 events). Every request carries a unique marker "[<BENCH_RUN>-<thread>-<n>]" in the user message,
-- so the records the agent writes can be counted per run and matched to requests.
local run = os.getenv("BENCH_RUN") or "run"
-- BENCH_STREAM=0 asks for a plain JSON answer instead of an SSE stream.
local stream = os.getenv("BENCH_STREAM") ~= "0"
-- BENCH_DELAY_MS: think time between a connection's requests (a paced load instead of a flood).
local think = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if think > 0 then
  function delay()
    return think
  end
end
local thread_id = 0
local counter = 0
local words = { "please", "summarise", "the", "following", "incident", "report", "for", "an", "on-call",
  "engineer", "with", "timeline", "and", "root", "cause", "kernel", "latency", "spikes", "observed",
  "during", "deploy", "of", "service", "checkout", "api", "at", "peak", "traffic", "window" }
local pad = {}
local n = 0
local i = 1
while n < 20480 do
  local w = words[(i * 7) % #words + 1]
  pad[#pad + 1] = w
  n = n + #w + 1
  i = i + 1
end
local text = table.concat(pad, " ")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer sk-bench-0000000000000000000000000000" }
local prefix = '{"model":"gpt-4o-mini",' .. (stream and '"stream":true,"stream_options":{"include_usage":true},' or '"stream":false,') .. '"temperature":0.2,"max_tokens":256,"messages":[{"role":"system","content":"You are a terse assistant for incident reviews."},{"role":"user","content":"'
local suffix = '"}]}'

local threads_seen = 0
function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("tid", threads_seen)
end

function init(args)
  thread_id = tid or 0
end

function request()
  counter = counter + 1
  -- Body sizes spread over 2-20 KB, deterministic per request number.
  local size = 2048 + ((counter * 7919) % 18433) - #prefix - #suffix - 40
  local body = prefix .. "[" .. run .. "-" .. thread_id .. "-" .. counter .. "] " .. string.sub(text, 1, size) .. suffix
  return wrk.format("POST", "/v1/chat/completions", headers, body)
end
