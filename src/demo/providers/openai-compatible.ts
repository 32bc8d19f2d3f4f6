/**
 * The OpenAI wire format as OpenAI and the servers that copy it speak it: chat completions (JSON,
 * or SSE `chat.completion.chunk`s ending with `data: [DONE]`) and the Responses API (a `response`
 * object, or named SSE events from `response.created` to `response.completed`). Each dialect
 * reproduces what its provider documents beyond the common format:
 * - openai: usage in a last `choices: []` chunk only with `stream_options.include_usage`; tool
 *   arguments streamed in fragments.
 * - azure: a first chunk with only `prompt_filter_results` (empty id and model), content-filter
 *   results on choices, the model behind the deployment in the response.
 * - groq: usage under `x_groq` in the last chunk, always; tool calls arrive whole.
 * - mistral: usage in the chunk that carries finish_reason, always; tool calls arrive whole.
 * - together: usage in the chunk that carries finish_reason, always.
 * - ollama (its `/v1` API): `fp_ollama`; include_usage honoured; tool calls arrive whole.
 */
import {
  FAKE_CREATED,
  FAKE_TOOL_ARGUMENTS_JSON,
  asArray,
  contentText,
  fakeId,
  firstToolName,
  isObject,
  jsonReply,
  lastUserText,
  markerOf,
  pieces,
  replyText,
  sseReply,
  str,
  words,
  type FakeReply,
  type FakeRequest,
  type JsonObject,
} from './common.js';

export type OpenAiDialect = 'openai' | 'azure' | 'groq' | 'mistral' | 'together' | 'ollama';

/** Token counts of every chat completion, whatever the dialect. */
export const CHAT_FAKE = { promptTokens: 19, completionTokens: 8, toolArgumentsFragment: 7 } as const;

/** Token counts of every Responses API answer. */
export const RESPONSES_FAKE = { inputTokens: 40, cachedTokens: 16, outputTokens: 14 } as const;

/** The model Azure reports behind any deployment. */
export const AZURE_DEPLOYED_MODEL = 'gpt-4o-2024-11-20';

interface DialectSpec {
  label: string;
  /** Chat completion id for a marker. */
  chatId: (marker: string) => string;
  responseModel: (model: string) => string;
  /** Where streamed usage goes: only when asked, in the finish chunk, or under x_groq in the finish chunk. */
  streamUsage: 'include_usage' | 'finish_chunk' | 'x_groq';
  /** Tool-call arguments streamed in fragments (true) or in one delta (false). */
  fragmentArguments: boolean;
  systemFingerprint: string | null;
}

/** OpenAI's dated snapshot behind an alias: `gpt-4o-mini` → `gpt-4o-mini-2024-07-18`; dated names are kept. */
export function openaiResponseModel(model: string): string {
  return /-\d{4}-\d{2}-\d{2}$/.test(model) ? model : `${model}-2024-07-18`;
}

const DIALECTS: { [D in OpenAiDialect]: DialectSpec } = {
  openai: { label: 'OpenAI', chatId: (m) => fakeId('chatcmpl-', m), responseModel: openaiResponseModel, streamUsage: 'include_usage', fragmentArguments: true, systemFingerprint: 'fp_fake0openai' },
  azure: { label: 'Azure OpenAI', chatId: (m) => fakeId('chatcmpl-', m), responseModel: () => AZURE_DEPLOYED_MODEL, streamUsage: 'include_usage', fragmentArguments: true, systemFingerprint: 'fp_fake0azure' },
  groq: { label: 'Groq', chatId: (m) => fakeId('chatcmpl-', m), responseModel: (m) => m, streamUsage: 'x_groq', fragmentArguments: false, systemFingerprint: 'fp_fake0groq' },
  mistral: { label: 'Mistral', chatId: (m) => fakeId('mistral-', m), responseModel: (m) => m, streamUsage: 'finish_chunk', fragmentArguments: false, systemFingerprint: null },
  together: { label: 'Together', chatId: (m) => fakeId('together-', m), responseModel: (m) => m, streamUsage: 'finish_chunk', fragmentArguments: true, systemFingerprint: null },
  ollama: { label: 'Ollama', chatId: (m) => fakeId('chatcmpl-', m), responseModel: (m) => m, streamUsage: 'include_usage', fragmentArguments: false, systemFingerprint: 'fp_ollama' },
};

export function dialectLabel(dialect: OpenAiDialect): string {
  return DIALECTS[dialect].label;
}

/** Azure's content-filter verdicts: nothing filtered. */
const SAFE = { filtered: false, severity: 'safe' };
const CONTENT_FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: { ...CONTENT_FILTER_RESULTS, jailbreak: { filtered: false, detected: false } } }];

export function openAiError(status: number, message: string, type: string, code: string | null = null): FakeReply {
  return jsonReply(status, { error: { message, type, param: null, code } });
}

/**
 * `POST {base}/chat/completions`. `pathModel` is the model the URL names (an Azure deployment);
 * otherwise the body's `model` is required.
 */
export function chatCompletion(req: FakeRequest, dialect: OpenAiDialect, pathModel?: string): FakeReply {
  const spec = DIALECTS[dialect];
  const body = req.json;
  if (!isObject(body) || !Array.isArray(body['messages'])) return openAiError(400, "Missing required parameter: 'messages'.", 'invalid_request_error');
  const model = pathModel ?? str(body['model']);
  if (model === undefined) return openAiError(400, 'you must provide a model parameter', 'invalid_request_error');
  const marker = markerOf(lastUserText(body['messages']));
  const text = replyText(spec.label, marker);
  const tool = firstToolName(body['tools'], (t) => (isObject(t['function']) ? str(t['function']['name']) : undefined));
  const toolCall = tool === undefined ? undefined : { id: fakeId('call_', marker), type: 'function', function: { name: tool, arguments: FAKE_TOOL_ARGUMENTS_JSON } };
  const finish = toolCall ? 'tool_calls' : 'stop';
  const usage = {
    prompt_tokens: CHAT_FAKE.promptTokens,
    completion_tokens: CHAT_FAKE.completionTokens,
    total_tokens: CHAT_FAKE.promptTokens + CHAT_FAKE.completionTokens,
    ...(dialect === 'openai' || dialect === 'azure'
      ? { prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }
      : {}),
  };
  const envelope: JsonObject = {
    id: spec.chatId(marker),
    created: FAKE_CREATED,
    model: spec.responseModel(model),
    ...(spec.systemFingerprint === null ? {} : { system_fingerprint: spec.systemFingerprint }),
  };
  const azure = dialect === 'azure';
  const filtered = (choice: JsonObject, results: object = CONTENT_FILTER_RESULTS): JsonObject => (azure ? { ...choice, content_filter_results: results } : choice);

  if (body['stream'] !== true) {
    const message: JsonObject = { role: 'assistant', content: toolCall ? null : text, ...(toolCall ? { tool_calls: [toolCall] } : {}), ...(dialect === 'openai' || azure ? { refusal: null } : {}) };
    return jsonReply(200, {
      ...envelope,
      object: 'chat.completion',
      choices: [filtered({ index: 0, message, logprobs: null, finish_reason: finish })],
      usage,
      ...(azure ? { prompt_filter_results: PROMPT_FILTER_RESULTS } : {}),
      ...(dialect === 'groq' ? { x_groq: { id: fakeId('req_', marker) } } : {}),
    });
  }

  const chunk = (delta: JsonObject, finishReason: string | null = null, extra: JsonObject = {}): { data: JsonObject } => ({
    data: { ...envelope, object: 'chat.completion.chunk', choices: [filtered({ index: 0, delta, logprobs: null, finish_reason: finishReason }, finishReason === null && Object.keys(delta).length > 0 && !('role' in delta) ? CONTENT_FILTER_RESULTS : {})], ...extra },
  });
  const events: Array<{ data: JsonObject | string }> = [];
  if (azure) events.push({ data: { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS } });
  events.push(chunk({ role: 'assistant', content: '', ...(dialect === 'openai' || azure ? { refusal: null } : {}) }));
  if (toolCall) {
    if (spec.fragmentArguments) {
      events.push(chunk({ tool_calls: [{ index: 0, ...toolCall, function: { name: toolCall.function.name, arguments: '' } }] }));
      for (const p of pieces(FAKE_TOOL_ARGUMENTS_JSON, CHAT_FAKE.toolArgumentsFragment)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }));
    } else {
      events.push(chunk({ tool_calls: [{ index: 0, ...toolCall }] }));
    }
  } else {
    for (const w of words(text)) events.push(chunk({ content: w }));
  }
  const finishExtra: JsonObject =
    spec.streamUsage === 'finish_chunk'
      ? { usage }
      : spec.streamUsage === 'x_groq'
        ? { x_groq: { id: fakeId('req_', marker), usage: { queue_time: 0.012, ...usage, prompt_time: 0.002, completion_time: 0.021, total_time: 0.023 } } }
        : {};
  events.push(chunk({}, finish, finishExtra));
  const streamOptions = body['stream_options'];
  if (spec.streamUsage !== 'finish_chunk' && isObject(streamOptions) && streamOptions['include_usage'] === true) {
    events.push({ data: { ...envelope, object: 'chat.completion.chunk', choices: [], usage } });
  }
  events.push({ data: '[DONE]' });
  return sseReply(events);
}

/** The user's text in a Responses API `input`: a string, or the last user message item. */
function responsesUserText(input: unknown): string {
  if (typeof input === 'string') return input;
  const users = asArray(input).filter((i) => isObject(i) && i['role'] === 'user' && (i['type'] === undefined || i['type'] === 'message')) as JsonObject[];
  return contentText(users[users.length - 1]?.['content'] ?? '');
}

/**
 * `POST {base}/responses`: the `response` object, or with `stream: true` its named SSE events
 * (each `data` repeats the event name in `type` and carries a `sequence_number`).
 */
export function responsesApi(req: FakeRequest, dialect: 'openai' | 'azure'): FakeReply {
  const spec = DIALECTS[dialect];
  const body = req.json;
  if (!isObject(body)) return openAiError(400, 'Invalid body: expected a JSON object.', 'invalid_request_error');
  const model = str(body['model']);
  if (model === undefined) return openAiError(400, "Missing required parameter: 'model'.", 'invalid_request_error', 'missing_required_parameter');
  const marker = markerOf(responsesUserText(body['input']));
  const text = replyText(spec.label, marker);
  const tools = asArray(body['tools']);
  const tool = firstToolName(tools, (t) => (t['type'] === 'function' ? str(t['name']) : undefined));
  const responseId = fakeId('resp_', marker);
  const base = {
    id: responseId,
    object: 'response',
    created_at: FAKE_CREATED,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    model: spec.responseModel(model),
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: body['temperature'] ?? 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools,
    top_p: body['top_p'] ?? 1.0,
    truncation: 'disabled',
    user: null,
    metadata: {},
  };
  const usage = {
    input_tokens: RESPONSES_FAKE.inputTokens,
    input_tokens_details: { cached_tokens: RESPONSES_FAKE.cachedTokens },
    output_tokens: RESPONSES_FAKE.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: RESPONSES_FAKE.inputTokens + RESPONSES_FAKE.outputTokens,
  };
  const outputText = { type: 'output_text', annotations: [], logprobs: [], text };
  const item: JsonObject =
    tool === undefined
      ? { id: fakeId('msg_', marker), type: 'message', status: 'completed', content: [outputText], role: 'assistant' }
      : { id: fakeId('fc_', marker), type: 'function_call', status: 'completed', arguments: FAKE_TOOL_ARGUMENTS_JSON, call_id: fakeId('call_', marker), name: tool };
  const completed = { ...base, status: 'completed', output: [item], usage };

  if (body['stream'] !== true) return jsonReply(200, completed);

  const events: Array<{ event: string; data: JsonObject }> = [];
  const emit = (type: string, data: JsonObject): void => {
    events.push({ event: type, data: { type, sequence_number: events.length, ...data } });
  };
  const inProgress = { ...base, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: inProgress });
  emit('response.in_progress', { response: inProgress });
  const itemId = item['id'];
  if (tool === undefined) {
    emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    emit('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: { ...outputText, text: '' } });
    for (const w of words(text)) emit('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: w, logprobs: [] });
    emit('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] });
    emit('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part: outputText });
  } else {
    emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } });
    for (const p of pieces(FAKE_TOOL_ARGUMENTS_JSON, CHAT_FAKE.toolArgumentsFragment)) emit('response.function_call_arguments.delta', { item_id: itemId, output_index: 0, delta: p });
    emit('response.function_call_arguments.done', { item_id: itemId, output_index: 0, arguments: FAKE_TOOL_ARGUMENTS_JSON });
  }
  emit('response.output_item.done', { output_index: 0, item });
  emit('response.completed', { response: completed });
  return sseReply(events);
}

/** An OpenAI-compatible API below `base` (`/v1`, `/openai/v1`): chat completions, and Responses for OpenAI itself. */
export function handleOpenAiCompatible(req: FakeRequest, dialect: OpenAiDialect, base: string): FakeReply | undefined {
  if (req.method !== 'POST' || !req.path.startsWith(`${base}/`)) return undefined;
  const op = req.path.slice(base.length);
  if (op === '/chat/completions' || op === '/responses') {
    if (dialect !== 'ollama' && !String(req.headers['authorization'] ?? req.headers['api-key'] ?? '').trim()) {
      return openAiError(401, 'You did not provide an API key.', 'invalid_request_error', 'invalid_api_key');
    }
    if (op === '/chat/completions') return chatCompletion(req, dialect);
    if (dialect === 'openai' || dialect === 'azure') return responsesApi(req, dialect);
  }
  return undefined;
}
