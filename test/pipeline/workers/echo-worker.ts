// A test worker: echoes, sums a transferred buffer, throws, crashes or hangs on request.
import { serveTasks } from '../../../src/pipeline/pool-worker.js';
import { VoxelpipeError } from '../../../src/util/errors.js';

serveTasks((payload) => {
  const p = payload as { op: string; value?: number; buffer?: ArrayBuffer };
  switch (p.op) {
    case 'echo':
      return { result: p.value };
    case 'sum': {
      const a = new Float32Array(p.buffer!);
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i];
      const out = new Float32Array([s]);
      return { result: { sum: s, out: out.buffer, received: p.buffer!.byteLength }, transferList: [out.buffer] };
    }
    case 'throw':
      throw new VoxelpipeError('ERR_TRANSFORM', 'planted failure');
    case 'throw-plain':
      throw new TypeError('plain failure');
    case 'exit':
      process.exit(3);
    case 'hang':
      for (;;);
    default:
      throw new Error(`unknown op ${p.op}`);
  }
});
