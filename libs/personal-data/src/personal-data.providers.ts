import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { KEY_STORE, KeyStore } from '@oriental/key-store';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { openKeyStore, SERVICE_CONFIG, SERVICE_STATUS, ServiceConfig, ServiceStatus } from '@oriental/service-kit';
import { PersonalDataOwner } from './key-stores';
import { loadMasterKeyring, MASTER_KEY, MASTER_KEYRING } from './master-key';
import { MasterKeyring } from './master-keyring';
import { PersonalDataVault } from './personal-data-vault';

/** Opens an owner's key store; an owner with history of its own (intake) moves older keys in first. */
export type KeyStoreOpener = (config: ServiceConfig, readStore: ReadStore, keyring: MasterKeyring) => Promise<KeyStore>;

/** Opens the owner's key store and says when it holds keys under a master key this service lacks (those people cannot be read). */
export const openOwnKeyStore = async (config: ServiceConfig, owner: PersonalDataOwner, keyring: MasterKeyring): Promise<KeyStore> => {
  const keys = await openKeyStore(config, owner);
  try {
    const unheld = Object.entries((await keys.counts()).byMasterKey).filter(([id]) => !keyring.holds(id));
    if (unheld.length > 0) {
      new Logger('personal-data').warn(`the key store holds keys under master keys this service lacks (${unheld.map(([id, n]) => `${id}: ${n}`).join(', ')}): those people cannot be read`);
    }
    return keys;
  } catch (error) {
    await keys.close();
    throw error;
  }
};

/** Shows the key store on /health (a service that cannot reach its keys is down); closes it when the service stops, after the followers that read through the vault. */
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

/**
 * What a service that keeps personal data provides: the master keys (MASTER_KEYRING, MASTER_KEY),
 * its own key store (KEY_STORE) and the vault that seals and opens personal data with them.
 * `open` replaces the plain opening of the owner's key store (intake moves older keys in first).
 */
export const personalDataProviders = (owner: PersonalDataOwner, open?: KeyStoreOpener): Provider[] => [
  { provide: MASTER_KEYRING, inject: [SERVICE_CONFIG], useFactory: (config: ServiceConfig) => loadMasterKeyring(config) },
  { provide: MASTER_KEY, inject: [MASTER_KEYRING], useFactory: (keyring: MasterKeyring) => keyring.current.key },
  {
    provide: KEY_STORE,
    inject: [SERVICE_CONFIG, READ_STORE, MASTER_KEYRING],
    useFactory: (config: ServiceConfig, readStore: ReadStore, keyring: MasterKeyring) => (open ? open(config, readStore, keyring) : openOwnKeyStore(config, owner, keyring)),
  },
  KeyStoreLifecycle,
  { provide: PersonalDataVault, inject: [KEY_STORE, MASTER_KEYRING], useFactory: (keys: KeyStore, keyring: MasterKeyring) => new PersonalDataVault(keys, keyring) },
];
