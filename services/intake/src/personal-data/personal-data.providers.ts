import { Logger, Provider } from '@nestjs/common';
import type { KeyStore } from '@oriental/key-store';
import { MasterKeyring, openOwnKeyStore, personalDataProviders } from '@oriental/personal-data';
import type { ReadStore } from '@oriental/read-store';
import type { ServiceConfig } from '@oriental/service-kit';
import { migrateLegacyKeys } from './legacy-keys';

/**
 * Opens intake's key store (ADR 0012), after moving into it, once, the keys an earlier version
 * kept in the read store.
 */
const openIntakeKeyStore = async (config: ServiceConfig, readStore: ReadStore, keyring: MasterKeyring): Promise<KeyStore> => {
  const keys = await openOwnKeyStore(config, 'intake', keyring);
  const logger = new Logger('personal-data');
  try {
    const { moved, unidentified } = await migrateLegacyKeys(readStore, keys, keyring);
    if (moved > 0) {
      logger.log(`moved ${moved} personal-data keys from intake's read store into the key store (${keys.kind}); rotate the master key to make the copies left in the old file useless`);
    }
    if (unidentified > 0) logger.warn(`${unidentified} of them open with no master key this service holds`);
    return keys;
  } catch (error) {
    await keys.close();
    throw error;
  }
};

/** The master keys, intake's key store and the vault that seals and opens beneficiaries' personal data with them (`@oriental/personal-data`). */
export const intakePersonalDataProviders: Provider[] = personalDataProviders('intake', openIntakeKeyStore);
