/** LlmCall records for sink tests: distinct span ids, realistic size (a few hundred bytes of messages). */
import type { LlmCall } from '../../telemetry/llm-call.js';

export function spanIdOf(n: number): string {
  return (n + 1).toString(16).padStart(16, '0');
}

export function makeRecord(n: number, opts: { contentBytes?: number } = {}): LlmCall {
  const content = `question ${n}: ${'x'.repeat(opts.contentBytes ?? 200)}`;
  return {
    kind: 'llm_call',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: spanIdOf(n),
    parent_span_id: n % 3 === 0 ? null : spanIdOf(n - 1),
    name: 'chat gpt-4o-mini',
    start_time: '2026-11-28T19:38:11.123456Z',
    end_time: '2026-11-28T19:38:12.000001Z',
    attributes: {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12 + n,
      'gen_ai.usage.output_tokens': 40,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content }] }],
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: `answer ${n}` }], finish_reason: 'stop' }],
      'osprey.stream': n % 2 === 0,
      'http.response.status_code': n % 7 === 6 ? 429 : 200,
      'process.pid': 4242,
      'process.command_line': 'python3 agent.py',
      'server.address': 'api.openai.com',
    },
  };
}
