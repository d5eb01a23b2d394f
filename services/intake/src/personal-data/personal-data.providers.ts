import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { KEY_STORE, KeyStore } from '@oriental/key-store';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { openKeyStore, SERVICE_CONFIG, SERVICE_STATUS, ServiceConfig, ServiceStatus } from '@oriental/service-kit';
import { migrateLegacyKeys } from './legacy-keys';
import { loadMasterKeyring, MASTER_KEY, MASTER_KEYRING } from './master-key';
import { MasterKeyring } from './master-keyring';
import { PersonalDataVault } from './personal-data-vault';

/**
 * Opens intake's key store (ADR 0012), after moving into it, once, the keys an earlier version
 * kept in the read store, and says when it holds keys under a master key this service lacks.
 */
const openIntakeKeyStore = async (config: ServiceConfig, readStore: ReadStore, keyring: MasterKeyring): Promise<KeyStore> => {
  const keys = await openKeyStore(config);
  const logger = new Logger('personal-data');
  try {
    const { moved, unidentified } = await migrateLegacyKeys(readStore, keys, keyring);
    if (moved > 0) {
      logger.log(`moved ${moved} personal-data keys from intake's read store into the key store (${keys.kind}); rotate the master key to make the copies left in the old file useless`);
    }
    if (unidentified > 0) logger.warn(`${unidentified} of them open with no master key this service holds`);
    const unheld = Object.entries((await keys.counts()).byMasterKey).filter(([id]) => !keyring.holds(id));
    if (unheld.length > 0) {
      logger.warn(`the key store holds keys under master keys this service lacks (${unheld.map(([id, n]) => `${id}: ${n}`).join(', ')}): those people cannot be read`);
    }
    return keys;
  } catch (error) {
    await keys.close();
    throw error;
  }
};

/** Shows the key store on /health; closes it when intake stops, after the followers that read through the vault. */
@Injectable()
class KeyStoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(SERVICE_STATUS) status: ServiceStatus,
  ) {
    status.addStore('keyStore', () => keys.health());
  }

  onApplicationShutdown(): Promise<void> {
    return this.keys.close();
  }
}

/** The master keys, the key store and the vault that seals and opens personal data with them. */
export const personalDataProviders: Provider[] = [
  { provide: MASTER_KEYRING, inject: [SERVICE_CONFIG], useFactory: (config: ServiceConfig) => loadMasterKeyring(config) },
  { provide: MASTER_KEY, inject: [MASTER_KEYRING], useFactory: (keyring: MasterKeyring) => keyring.current.key },
  {
    provide: KEY_STORE,
    inject: [SERVICE_CONFIG, READ_STORE, MASTER_KEYRING],
    useFactory: (config: ServiceConfig, readStore: ReadStore, keyring: MasterKeyring) => openIntakeKeyStore(config, readStore, keyring),
  },
  KeyStoreLifecycle,
  { provide: PersonalDataVault, inject: [KEY_STORE, MASTER_KEYRING], useFactory: (keys: KeyStore, keyring: MasterKeyring) => new PersonalDataVault(keys, keyring) },
];
