import { test } from 'node:test';
import { flip, rot90, rotate, planeRotation, zoom, crop, type Grid } from '../../../src/transforms/kernels/index.js';
import { spatialShape } from '../../../src/transforms/image.js';
import { CASES, loadInput, assertMatches } from './conformance-helpers.js';

const KERNEL_CASES = CASES.filter((c) => c.kernel);

for (const c of KERNEL_CASES) {
  test(`conformance kernel ${c.id} (${c.note})`, () => {
    const img = loadInput(c.inputs.image);
    const grid: Grid = { data: img.data, shape: spatialShape(img), blocks: 1 };
    const a = c.kernel!.args as Record<string, never>;
    let data;
    let shape = grid.shape;
    switch (c.kernel!.name) {
      case 'flip':
        data = flip(grid, a.axis);
        break;
      case 'rot90':
        ({ data, shape } = rot90(grid, a.k, a.axes));
        break;
      case 'rotate':
        data = rotate(grid, planeRotation(a.angle_rad, a.axes), a.interpolation, a.fill);
        break;
      case 'zoom':
        data = zoom(grid, a.factors, a.interpolation, a.fill);
        break;
      case 'crop':
        data = crop(grid, a.start, a.size);
        shape = a.size;
        break;
      default:
        throw new Error(`unknown kernel ${c.kernel!.name}`);
    }
    assertMatches(c, 'image', shape, data);
  });
}
