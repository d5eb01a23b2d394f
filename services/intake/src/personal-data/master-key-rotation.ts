import { rotateMasterKey as rotateEveryKeyStore, RotationReport } from '@oriental/personal-data';
import type { ServiceConfig } from '@oriental/service-kit';
import { migrateLegacyKeys } from './legacy-keys';

export type { RotationReport };

/**
 * `npm run rotate-master-key` (ADR 0012): every key store under the master key rewrapped
 * (`@oriental/personal-data`), intake's after the keys an earlier version kept in its read store
 * are moved in, labelled with the key that wraps them now.
 */
export const rotateMasterKey = (config: ServiceConfig, log: (line: string) => void = () => undefined): Promise<RotationReport> =>
  rotateEveryKeyStore(config, log, {
    intake: async ({ keys, readStore }, keyring) => {
      const { moved } = await migrateLegacyKeys(readStore, keys, keyring);
      if (moved > 0) log(`moved ${moved} keys from intake's read store into the key store`);
      return moved;
    },
  });
