export { readStoreContract, type ReadStoreUnderTest } from './read-store.contract';
