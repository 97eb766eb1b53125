// The timer of `npm run bench`, shared by bench/run.ts and the peers it runs in child processes (bench/ort-web.ts).
// PyTorch's side (bench/torch_bench.py) times the same way: warm-up calls, one call to estimate, then the median of
// enough calls to fill minSeconds (at least 5, or 3 when a call takes over a second; at most 50).

export interface Timing { median: number; min: number; reps: number }

/** Median and minimum milliseconds of `fn` (awaited) after `warm` calls; a call over `maxSeconds` is timed once. */
export async function time(fn: () => unknown, warm = 2, minSeconds = 1.0, maxSeconds = 30): Promise<Timing> {
  for (let i = 0; i < warm; i++) await fn();
  let t = performance.now();
  await fn();
  const est = (performance.now() - t) / 1e3;
  const reps = est > maxSeconds ? 1 : Math.max(est > 1 ? 3 : 5, Math.min(50, Math.ceil(minSeconds / Math.max(est, 1e-6))));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[ts.length >> 1]!, min: ts[0]!, reps };
}

/** Median ms of a quick call over ~150 ms of calls (at least 5, at most 200) after two warm-up calls: for the
 *  profile scripts' old-against-new alternations. */
export function medianCall(f: () => void): number {
  f(); f();
  const ts: number[] = [];
  const end = performance.now() + 150;
  while (ts.length < 5 || (performance.now() < end && ts.length < 200)) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1]!;
}
