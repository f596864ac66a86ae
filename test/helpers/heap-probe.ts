/*
 * Preloaded into a gateway child process by tests that measure its memory (GatewayProcess.start
 * with { heapProbe: true }, which also passes --expose-gc): on SIGUSR2 it runs a full garbage
 * collection and prints one line, `jetgate-heap <process.memoryUsage() as JSON>`, on stderr.
 * What survives a full collection is what a leak grows; RSS also counts V8's young generation and
 * the free pages it keeps, whose sizing differs between Node lines (Node 24 keeps far more).
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('the heap probe needs node --expose-gc');

process.on('SIGUSR2', () => {
  // Twice: objects with finalizers (weak callbacks) are only freed by the second collection.
  gc();
  gc();
  process.stderr.write(`jetgate-heap ${JSON.stringify(process.memoryUsage())}\n`);
});
