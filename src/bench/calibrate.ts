import { Worker } from 'node:worker_threads';

/**
 * What two threads of pure arithmetic give on this machine right now: the
 * scaling a 2-worker epoch is judged against (issue 14: "2 workers / 1
 * worker >= 0.9 x the calibration"). Each thread runs the same fixed loop
 * (an xorshift accumulation: no memory traffic, no allocation); the ratio is
 * (2 x work / time with two threads at once) / (work / time with one).
 */

// The loop, as a worker body: a fixed count of xorshift steps, posting the time it took.
const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
let x = 2463534242 | 0, acc = 0;
const t = performance.now();
for (let i = 0; i < workerData; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; acc = (acc + (x & 1023)) | 0; }
parentPort.postMessage({ ms: performance.now() - t, acc });
`;

function spin(steps: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOOP, { eval: true, workerData: steps });
    w.once('message', (m: { ms: number }) => {
      resolve(m.ms);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

export interface Calibration {
  /** ms for one thread's loop alone, and for two at once (the slower of the two). */
  oneThreadMs: number;
  twoThreadsMs: number;
  /** Throughput of two threads over one: 2.0 on two idle cores. */
  ratio: number;
}

/** Median of `runs` alternating measurements (one thread, then two at once). */
export async function calibrate(steps = 150_000_000, runs = 3): Promise<Calibration> {
  const one: number[] = [];
  const two: number[] = [];
  await spin(steps / 10); // warm-up: worker start and JIT out of the way
  for (let r = 0; r < runs; r++) {
    one.push(await spin(steps));
    two.push(Math.max(...(await Promise.all([spin(steps), spin(steps)]))));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const oneThreadMs = med(one);
  const twoThreadsMs = med(two);
  return { oneThreadMs: Math.round(oneThreadMs), twoThreadsMs: Math.round(twoThreadsMs), ratio: Math.round(((2 * oneThreadMs) / twoThreadsMs) * 100) / 100 };
}
