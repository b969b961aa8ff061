export { readNpy, readNpz, decodeNpy, parseNpyHeader, isNpy, npyHeaderInfo, type NpyHeader, type NpzOptions } from './read.js';
