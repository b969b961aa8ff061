import type { BatchJson, EpochJson, SampleJson, StepFieldHeader, ViewInfo } from './api-types.js';

/** An answer the server refused, with its one-line message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function failure(r: Response): Promise<ApiError> {
  let msg = `${r.status} ${r.statusText}`;
  try {
    const j = (await r.json()) as { error?: string };
    if (j.error) msg = j.error;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(r.status, msg);
}

async function getJson<T>(path: string, params: Record<string, number> = {}): Promise<T> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const r = await fetch(`${path}${Object.keys(params).length ? `?${q}` : ''}`);
  if (!r.ok) throw await failure(r);
  return (await r.json()) as T;
}

export const api = {
  info: () => getJson<ViewInfo>('/api/info'),
  epoch: (epoch: number) => getJson<EpochJson>('/api/epoch', { epoch }),
  sample: (epoch: number, index: number) => getJson<SampleJson>('/api/sample', { epoch, index }),
  batch: (epoch: number, batch: number) => getJson<BatchJson>('/api/batch', { epoch, batch }),
  thumbUrl: (epoch: number, batch: number, row: number) => `/api/batch/thumb?epoch=${epoch}&batch=${batch}&row=${row}`,
  step: async (epoch: number, index: number, step: number): Promise<StepVoxels> => {
    const r = await fetch(`/api/step?epoch=${epoch}&index=${index}&step=${step}`);
    if (!r.ok) throw await failure(r);
    return decodeStep(await r.arrayBuffer());
  },
};

export type Voxels = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface FieldVoxels extends StepFieldHeader {
  data: Voxels;
}

/** Every image field of one step, by name. */
export type StepVoxels = Map<string, FieldVoxels>;

const CTORS: Record<string, new (b: ArrayBuffer, offset: number, length: number) => Voxels> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Reads the server's step answer (layout: src/view/step-binary.ts): views on the one buffer, no copies. */
export function decodeStep(buf: ArrayBuffer): StepVoxels {
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n))) as { fields: StepFieldHeader[] };
  const out: StepVoxels = new Map();
  for (const f of header.fields) {
    const C = CTORS[f.dtype];
    if (!C) throw new Error(`field ${f.name}: unknown dtype ${f.dtype}`);
    out.set(f.name, { ...f, data: new C(buf, f.offset, f.length) });
  }
  return out;
}
