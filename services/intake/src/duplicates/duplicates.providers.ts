import { Provider } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { SERVICE_STATUS, ServiceStatus } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { MASTER_KEY } from '@oriental/personal-data';
import { DuplicateIndex } from './duplicate-index';
import { DUPLICATE_INDEX_FOLLOWER, DuplicateIndexFollower } from './duplicate-index.follower';
import { DuplicateKeys } from './duplicate-keys';
import { intakeStreamPrefixes } from '../integration/intake-integration-events';

/**
 * Duplicate detection in intake's module: the keys (derived from the personal-data master key),
 * the index the registration asks, and its follower (a provider, so Nest starts it on bootstrap
 * and stops it on shutdown; registered with the service status, so `/health` shows how far it got).
 */
export const duplicateDetectionProviders: Provider[] = [
  { provide: DuplicateKeys, inject: [MASTER_KEY], useFactory: (masterKey: Buffer) => new DuplicateKeys(masterKey) },
  { provide: DuplicateIndex, inject: [READ_STORE, DuplicateKeys], useFactory: (readStore: ReadStore, keys: DuplicateKeys) => new DuplicateIndex(readStore, keys) },
  {
    provide: DuplicateIndexFollower,
    inject: [EVENT_STORE, READ_STORE, BeneficiaryCodec, DuplicateKeys, SERVICE_STATUS],
    useFactory: (store: EventStore, readStore: ReadStore, codec: BeneficiaryCodec, keys: DuplicateKeys, status: ServiceStatus) => {
      const follower = new DuplicateIndexFollower({ store, readStore, codec, keys });
      status.addFollower(DUPLICATE_INDEX_FOLLOWER, () => follower.status(), intakeStreamPrefixes);
      return follower;
    },
  },
];
