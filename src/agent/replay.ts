/**
 * `osprey replay FILE`: runs the user-space pipeline over loader output recorded with
 * `osprey agent --record FILE`, without a kernel. The same bytes always give the same records,
 * which makes a capture from a user's host a reproducible bug report and a benchmark input.
 */
import { createReadStream } from 'node:fs';
import { RecordDecoder } from '../sensor/decode.js';
import type { Sink } from '../sinks/types.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';

export interface ReplayStats {
  bytes: number;
  records: number;
}

export async function replayRecording(path: string, sink: Sink, opts: Partial<PipelineOptions> = {}): Promise<ReplayStats> {
  const pipeline = new Pipeline(sink, opts);
  const decoder = new RecordDecoder();
  const stats: ReplayStats = { bytes: 0, records: 0 };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    stats.bytes += (chunk as Buffer).length;
    decoder.push(chunk as Buffer, (r) => {
      stats.records++;
      pipeline.handle(r);
    });
  }
  pipeline.drain();
  await sink.close();
  return stats;
}
