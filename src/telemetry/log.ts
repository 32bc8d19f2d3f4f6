/**
 * Agent diagnostics on stderr (stdout may carry JSONL records). One line per message, never a
 * stack trace for expected conditions, never a secret: callers pass already-redacted text.
 */
const debugEnabled = process.env.OSPREY_DEBUG === '1';
const warned = new Set<string>();

function line(level: string, msg: string): void {
  process.stderr.write(`osprey ${level}: ${msg}\n`);
}

export const diagnostics = {
  info(msg: string): void {
    line('info', msg);
  },
  warn(msg: string): void {
    line('warn', msg);
  },
  /** Warn the first time only: for conditions that can repeat thousands of times a second. */
  warnOnce(key: string, msg: string): void {
    if (warned.has(key)) return;
    warned.add(key);
    line('warn', msg);
  },
  debug(msg: string): void {
    if (debugEnabled) line('debug', msg);
  },
};
