export * from './key-stores';
export { loadMasterKey, loadMasterKeyring, MASTER_KEY, MASTER_KEYRING } from './master-key';
export { MasterKeyMissing, MasterKeyring } from './master-keyring';
export { rotateMasterKey, type BeforeRewrap, type OwnerStores, type RotationReport } from './master-key-rotation';
export * from './personal-data-vault';
export * from './personal-data.providers';
