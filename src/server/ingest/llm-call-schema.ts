/**
 * JSON Schema (draft-07, as Ajv reads it) of the LlmCall record that `POST /api/v1/llm-calls`
 * accepts: the TypeScript type in src/telemetry/llm-call.ts written out for the wire. Known
 * attributes are typed; any other attribute is allowed (the record is an open span), because a
 * newer agent adding one must not have its calls rejected. Top-level fields are closed: the
 * server stores the record field by field, and a field it would silently drop is an error.
 */
import { ATTR } from '../../telemetry/semconv.js';

const str = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const num = { type: 'number' } as const;

const part = {
  type: 'object',
  required: ['type'],
  properties: { type: str },
} as const;

const inputMessage = {
  type: 'object',
  required: ['role', 'parts'],
  properties: { role: str, parts: { type: 'array', items: part }, name: str },
} as const;

const outputMessage = {
  type: 'object',
  required: ['role', 'parts'],
  properties: { role: str, parts: { type: 'array', items: part }, finish_reason: { type: ['string', 'null'] } },
} as const;

const guardrailFinding = {
  type: 'object',
  required: ['type', 'kind'],
  properties: { type: str, kind: str },
} as const;

export const LLM_CALL_SCHEMA = {
  $id: 'https://osprey.dev/schemas/llm-call.json',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'trace_id', 'span_id', 'parent_span_id', 'name', 'start_time', 'end_time', 'attributes'],
  properties: {
    kind: { type: 'string', const: 'llm_call' },
    trace_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    span_id: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    parent_span_id: { anyOf: [{ type: 'string', pattern: '^[0-9a-f]{16}$' }, { type: 'null' }] },
    name: str,
    // Checked again (calendar, offset, fraction digits) when converted to microseconds.
    start_time: nonEmpty,
    end_time: nonEmpty,
    attributes: {
      type: 'object',
      required: [ATTR.providerName, ATTR.operationName, ATTR.stream],
      properties: {
        [ATTR.providerName]: nonEmpty,
        [ATTR.operationName]: nonEmpty,
        [ATTR.requestModel]: str,
        [ATTR.responseModel]: str,
        [ATTR.responseId]: str,
        [ATTR.finishReasons]: { type: 'array', items: str },
        [ATTR.inputTokens]: count,
        [ATTR.outputTokens]: count,
        [ATTR.temperature]: num,
        [ATTR.maxTokens]: count,
        [ATTR.topP]: num,
        [ATTR.inputMessages]: { type: 'array', items: inputMessage },
        [ATTR.outputMessages]: { type: 'array', items: outputMessage },
        [ATTR.stream]: { type: 'boolean' },
        [ATTR.ttftMs]: num,
        [ATTR.serverAddress]: str,
        [ATTR.serverPort]: count,
        [ATTR.httpStatus]: count,
        [ATTR.processPid]: count,
        [ATTR.processExe]: str,
        [ATTR.containerId]: str,
        [ATTR.podName]: str,
        [ATTR.namespaceName]: str,
        [ATTR.agentName]: str,
        [ATTR.errorType]: str,
        [ATTR.guardrails]: { type: 'array', items: guardrailFinding },
      },
    },
  },
} as const;
