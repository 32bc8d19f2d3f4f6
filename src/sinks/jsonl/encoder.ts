import type { LlmCall } from '../../telemetry/llm-call.js';

/** One record per line. JSON.stringify escapes newlines inside strings, so a line is always one record. */
export function encodeJsonlLine(record: LlmCall): string {
  return `${JSON.stringify(record)}\n`;
}
