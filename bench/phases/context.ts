/** What every phase gets: the servers, paths, and how long to run. */
import type { Pki, Service } from '../lib/servers.js';

export interface BenchConfig {
  quick: boolean;
  /** A/B pairs per workload. */
  pairs: number;
  /** Seconds per load run. */
  runSeconds: number;
  latencyRequests: number;
  idleConnections: number;
  leakExchanges: number;
  /** CPU seconds of replay per pipeline measurement. */
  replayCpuSeconds: number;
}

export interface BenchContext {
  config: BenchConfig;
  workDir: string;
  hostsFile: string;
  pki: Pki;
  caddy: Service;
  backend: Service;
  /** Absolute path of bench/ in the source tree (wrk scripts, python client). */
  benchSrc: string;
  /** Absolute path of dist/bench (compiled helpers run as child processes). */
  benchDist: string;
}
