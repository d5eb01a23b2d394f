/**
 * Child process of `seedStoreInChild`: node -r ./tools/register.js seed-store.child.ts <dataDir> <beneficiaries>.
 * Reports progress to its parent, and stops if the parent goes away.
 */
import { seedStore } from './seed-store';

const [dataDir, count] = process.argv.slice(2);
process.on('disconnect', () => process.exit(1));

seedStore(dataDir!, Number(count), (done) => process.send?.({ done })).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`seeding failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
