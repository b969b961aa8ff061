/**
 * DICOM RLE Lossless (PS3.5 annex G): each frame is a 64-byte header of up to
 * 15 segment offsets, each segment a PackBits stream of one byte plane (most
 * significant byte first, one per sample). No maintained npm package decodes
 * it on its own, and it is this small.
 *
 * Returns the frame as `samples` planar planes of `bytesPerSample`-byte
 * little-endian values, i.e. ready to view as a typed array per plane.
 * Throws a plain Error on corrupt data (the caller names the file).
 */
export function decodeRleFrame(frame: Uint8Array, pixels: number, samples: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new Error('RLE frame shorter than its 64-byte header');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nseg = dv.getUint32(0, true);
  if (nseg !== samples * bytesPerSample) throw new Error(`RLE frame has ${nseg} segments, expected ${samples * bytesPerSample}`);
  const out = new Uint8Array(pixels * samples * bytesPerSample);
  for (let s = 0; s < nseg; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < nseg ? dv.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > end || end > frame.length) throw new Error(`RLE segment ${s + 1} offsets ${start}..${end} are outside the frame`);
    const sample = Math.floor(s / bytesPerSample);
    // Segment 0 of a sample is its most significant byte; little-endian output puts it last.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const base = sample * pixels * bytesPerSample + byteInSample;
    let o = 0;
    let p = start;
    while (o < pixels && p < end) {
      const n = frame[p++];
      if (n < 128) {
        // n+1 literal bytes
        const count = n + 1;
        if (p + count > end) throw new Error('RLE literal run goes past its segment');
        for (let k = 0; k < count && o < pixels; k++) out[base + bytesPerSample * o++] = frame[p + k];
        p += count;
      } else if (n > 128) {
        const count = 257 - n;
        if (p >= end) throw new Error('RLE repeat run goes past its segment');
        const v = frame[p++];
        for (let k = 0; k < count && o < pixels; k++) out[base + bytesPerSample * o++] = v;
      }
      // n === 128: no-op
    }
    if (o < pixels) throw new Error(`RLE segment ${s + 1} decodes to ${o} of ${pixels} bytes`);
  }
  return out;
}
