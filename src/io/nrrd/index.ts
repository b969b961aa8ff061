export { readNrrd, parseNrrdHeader, isNrrd, nrrdHeaderInfo, type NrrdHeader } from './read.js';
