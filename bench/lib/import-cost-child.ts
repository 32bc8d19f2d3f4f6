/**
 * Resident memory a module adds to a fresh node process just by being imported (after a forced
 * GC). For `src/cli/main.js`, argv is set to `osprey version` so importing it runs a command that
 * does nothing else. Prints one JSON line last.
 *
 * Usage: node --expose-gc import-cost-child.js MODULE_PATH
 */
const path = process.argv[2] as string;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
gc();
const before = process.memoryUsage();
process.argv = [process.argv[0] as string, 'osprey', 'version'];
await import(path);
await new Promise((r) => setTimeout(r, 200));
gc();
const after = process.memoryUsage();
process.stdout.write(`\n${JSON.stringify({ module: path, rssMB: after.rss / 2 ** 20, addedRssMB: (after.rss - before.rss) / 2 ** 20, heapUsedMB: after.heapUsed / 2 ** 20 })}\n`);
