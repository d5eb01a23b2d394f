// The fault-injection suite (npm run test:faults, docs/reliability.md): its own jest config so
// that the root `npm test` (roots libs/ and services/) never picks these up. It reuses the root
// project's transform and module mapping, and runs the scenarios one at a time: each one kills
// and restarts servers of its own (harness/servers.ts), never the shared ones.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config, as the root jest.config.js (which lint ignores) */
const path = require('node:path');
const rootConfig = require('../../jest.config.js');

const { transform, transformIgnorePatterns, moduleNameMapper, testEnvironment } = rootConfig.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  displayName: 'faults',
  rootDir: path.join(__dirname, '..', '..'),
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.spec.ts'],
  testEnvironment,
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  maxWorkers: 1,
  // Scenarios are minutes long by design; a stuck one fails on its own timeouts.
  testTimeout: 600_000,
  slowTestThreshold: 600,
};
