// jpeg-lossless-decoder-js 2.1 ships no type declarations; this is the part voxelpipe uses.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor();
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array | Int16Array;
  }
}
