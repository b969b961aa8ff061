export { readNifti, readNiftiHeader, imgPathFor, effectiveScaling, type NiftiHeaderInfo } from './read.js';
export { writeNifti, type WriteNiftiOptions } from './write.js';
export { parseNiftiHeader, MAX_HEADER_BYTES, type NiftiHeader, type NiftiFormat } from './header.js';
export { headerAffine, qformAffine, fallbackAffine } from './geometry.js';
export { NIFTI_DATATYPES, DATATYPE_CODES } from './datatypes.js';
