export { readPng, isPng, pngHeaderInfo } from './read.js';
