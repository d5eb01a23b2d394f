export { keyStoreContract, type KeyStoreUnderTest } from './key-store.contract';
