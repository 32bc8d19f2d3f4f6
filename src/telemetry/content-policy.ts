/**
 * Content capture switch (DESIGN.md): prompts and completions can be dropped or truncated before a
 * record leaves the agent. Applied after guardrails, which need the full text to judge it.
 */
import type { ContentCapture } from '../config/agent-config.js';
import type { InputMessage, LlmCall, MessagePart, OutputMessage } from './llm-call.js';

const CONTENT_ATTRIBUTES = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'] as const;

function truncatePart(part: MessagePart, maxChars: number): MessagePart {
  if (part.type === 'text' && typeof part.content === 'string' && part.content.length > maxChars) {
    return { ...part, content: `${part.content.slice(0, maxChars)}…[truncated ${part.content.length - maxChars} chars]` };
  }
  return part;
}

function truncateMessages<M extends InputMessage | OutputMessage>(messages: M[], maxChars: number): M[] {
  return messages.map((m) => ({ ...m, parts: m.parts.map((p) => truncatePart(p, maxChars)) }));
}

export function applyContentPolicy(call: LlmCall, policy: ContentCapture): LlmCall {
  if (policy.mode === 'full') return call;
  const attributes = { ...call.attributes };
  if (policy.mode === 'off') {
    for (const name of CONTENT_ATTRIBUTES) delete attributes[name];
  } else {
    const input = attributes['gen_ai.input.messages'];
    const output = attributes['gen_ai.output.messages'];
    if (input) attributes['gen_ai.input.messages'] = truncateMessages(input, policy.maxChars);
    if (output) attributes['gen_ai.output.messages'] = truncateMessages(output, policy.maxChars);
  }
  return { ...call, attributes };
}
