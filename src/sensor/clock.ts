/**
 * Kernel timestamps are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns); records carry wall-clock
 * time. Node's hrtime is the same monotonic clock, so one offset, taken at start, converts them.
 */
import { performance } from 'node:perf_hooks';

export class MonotonicClock {
  private readonly offsetUs: number;

  constructor() {
    const wallUs = (performance.timeOrigin + performance.now()) * 1000;
    const monoUs = Number(process.hrtime.bigint() / 1000n);
    this.offsetUs = wallUs - monoUs;
  }

  /** Epoch microseconds for a kernel ktime. */
  toEpochUs(ktimeNs: bigint): number {
    return Number(ktimeNs / 1000n) + this.offsetUs;
  }

  nowEpochUs(): number {
    return Number(process.hrtime.bigint() / 1000n) + this.offsetUs;
  }
}
