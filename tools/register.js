// Runs TypeScript sources directly: swc transpiles (with decorator metadata, which
// NestJS dependency injection needs) and tsconfig-paths resolves the @oriental/* aliases.
// Type checking is done separately by `npm run typecheck`.
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
process.env.TS_NODE_SWC = 'true';
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT || require('path').join(__dirname, '..', 'tsconfig.json');
require('ts-node').register();
require('tsconfig-paths').register({
  baseUrl: require('path').join(__dirname, '..'),
  paths: require('../tsconfig.base.json').compilerOptions.paths,
});
