export { readMetaImage, parseMetaImageHeader, isMetaImage, metaImageHeaderInfo, type MetaImageHeader } from './read.js';
