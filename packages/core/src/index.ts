export * from './plugin/index.js';
