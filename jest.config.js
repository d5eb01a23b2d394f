// One jest run covers every tier; the file suffix states the tier (style guide):
//   *.unit.spec.ts  pure code, no I/O
//   *.int.spec.ts   real adapters and servers (skip with a printed reason when a server is
//                   missing, fail when REQUIRE_INFRA names it)
//   *.e2e.spec.ts   services as separate processes
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    `<rootDir>/${target}`,
  ]),
);

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// jose (JWT, JWKS) ships as ES modules only: jest's CommonJS runtime needs it transpiled.
const esmOnly = ['jose'];
const swcForEsm = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/libs', '<rootDir>/services'],
  testMatch,
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swcForEsm },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper,
  ...extra,
});

module.exports = {
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
  projects: [
    project('unit', ['**/*.unit.spec.ts']),
    project('int', ['**/*.int.spec.ts'], { slowTestThreshold: 30 }),
    project('e2e', ['**/*.e2e.spec.ts'], { slowTestThreshold: 120 }),
  ],
};
