/**
 * A tiny built-in 5x7 bitmap font for captions and legends (no font files,
 * no native text rendering, identical pixels everywhere). Upper case only:
 * lower-case letters are drawn as capitals; characters without a glyph as "?".
 */

// Each glyph: 7 rows of 5 pixels, "#" = ink, top row first.
const GLYPHS: Record<string, string> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
};

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character, in font pixels (glyph + one column of space). */
export const GLYPH_ADVANCE = 6;

/** Ink masks, 35 bytes per glyph (row-major), decoded once from the table above. */
const MASKS: ReadonlyMap<string, Uint8Array> = new Map(
  Object.entries(GLYPHS).map(([ch, rows]) => {
    const bits = rows.replace(/ /g, '');
    if (bits.length !== GLYPH_WIDTH * GLYPH_HEIGHT) throw new Error(`font: glyph "${ch}" has ${bits.length} pixels`);
    const m = new Uint8Array(bits.length);
    for (let i = 0; i < bits.length; i++) m[i] = bits[i] === '#' ? 1 : 0;
    return [ch, m];
  }),
);

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
}

/** An RGBA canvas: `rgba` holds width * height * 4 bytes, row-major, top row first. */
export interface Canvas {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale` square; clipped to the canvas. */
export function drawText(c: Canvas, x: number, y: number, text: string, rgb: readonly [number, number, number], scale = 1): void {
  for (let n = 0; n < text.length; n++) {
    const ch = text[n].toUpperCase();
    const mask = MASKS.get(ch) ?? MASKS.get('?')!;
    const gx = x + n * GLYPH_ADVANCE * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++)
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (!mask[r * GLYPH_WIDTH + col]) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + r * scale + dy;
          if (py < 0 || py >= c.height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = gx + col * scale + dx;
            if (px < 0 || px >= c.width) continue;
            const o = (py * c.width + px) * 4;
            c.rgba[o] = rgb[0];
            c.rgba[o + 1] = rgb[1];
            c.rgba[o + 2] = rgb[2];
            c.rgba[o + 3] = 255;
          }
        }
      }
  }
}
