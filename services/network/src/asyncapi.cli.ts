import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiYaml } from './asyncapi/asyncapi-document';

/** `npm run asyncapi`: writes docs/asyncapi.yaml from the contracts. */
const file = join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml');
writeFileSync(file, asyncApiYaml());
console.log(`wrote ${file}`);
