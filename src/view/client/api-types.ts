/**
 * The JSON the viewer's server sends and its page reads: one definition for
 * both sides (the server's modules and the browser's import these types;
 * this file has no code and no imports, so it compiles for either).
 */

/** Which voxel axes a plane shows and which way they run (src/preview/planes.ts). */
export interface PlaneJson {
  view: 'axial' | 'coronal' | 'sagittal' | 'image';
  /** Voxel axis shown horizontally; +1: its index grows to the right, -1: to the left. */
  hAxis: number;
  hDir: 1 | -1;
  /** Voxel axis shown vertically; +1: its index grows upwards, -1: downwards. */
  vAxis: number;
  vDir: 1 | -1;
  /** Voxel axis across the plane. */
  sliceAxis?: number;
}

export interface ImageFieldInfo {
  kind: 'image';
  /** The chain image's shape: `[...spatial, C]` or `[...spatial, C, b]` (batched crops). */
  shape: number[];
  /** In-memory element type of the voxels the page receives. */
  dtype: string;
  spatial: number[];
  channels: number;
  crops: number;
  spacing: number[];
  /** 4x4 voxel index -> world mm (RAS+). */
  affine: number[][];
  /** Axial, coronal, sagittal for 3D; one `image` plane for 2D (or a volume one voxel thick). */
  planes: PlaneJson[];
}

export interface ValueFieldInfo {
  kind: 'value';
  /** JSON of the value, cut at 200 characters (class labels, weights, file names). */
  text: string;
}

export type FieldInfo = ImageFieldInfo | ValueFieldInfo;

export interface CropBox {
  /** First voxel of the box in the crop's input (may be negative: padding). */
  start: number[];
  size: number[];
  /** PosNeg crops: the drawn centre and whether it was a foreground (pos) draw. */
  centre?: number[];
  foreground?: boolean;
}

export interface CropBoxes {
  /** Chain index of the crop. */
  step: number;
  name: string;
  /** The field whose geometry the boxes refer to. */
  field: string;
  boxes: CropBox[];
}

export interface ViewInfo {
  title: string;
  config: string;
  section: string;
  seed: number;
  task: string;
  describe: string;
  imageField: string;
  labelField: string;
  dataFormat: string;
  items: { index: number; source: string }[];
  labels: Record<string, string>;
  /** Label colours: value v is palette[(v - 1) % length], as in PNG previews. */
  palette: readonly (readonly [number, number, number])[];
}

export interface EpochJson {
  epoch: number;
  size: number;
  /** Datalist item at each position. */
  order: number[];
}

export interface StepJson {
  index: number;
  name: string;
  ms: number;
  random: boolean;
  args: Readonly<Record<string, unknown>>;
  draws?: Record<string, unknown>;
  fields: Record<string, FieldInfo>;
  /** The boxes of the next crop, drawn on this step's volume. */
  crop?: CropBoxes;
  /** Classification: the label field's class names. */
  classes?: string;
}

export interface SampleJson {
  epoch: number;
  index: number;
  item: number;
  source: string;
  steps: StepJson[];
  /** The one-line message of the transform that threw on this sample (its steps stop before it). */
  error?: string;
}

/** One image field in a step's binary answer (src/view/step-binary.ts describes the layout). */
export interface StepFieldHeader {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte offset of the first element from the start of the body. */
  offset: number;
  /** Number of elements. */
  length: number;
  /** Default window per (crop, channel), index crop * C + channel: the 1st..99th percentile; null for the label field. */
  windows: ([number, number] | null)[];
  /** Smallest and largest finite value. */
  range: [number, number];
}

export interface BatchRowJson {
  position: number;
  item: number;
  crop: number;
  source?: string;
  /** Classification: class names of the row's label. */
  caption: string;
  width: number;
  height: number;
}

export interface BatchJson {
  epoch: number;
  index: number;
  rows: BatchRowJson[];
  fields: Record<string, { shape: number[]; dtype: string }>;
}

/** Every error answer: `{ "error": "<one line>" }`. */
export interface ErrorJson {
  error: string;
}
