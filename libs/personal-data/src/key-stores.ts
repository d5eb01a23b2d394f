/**
 * The services that keep personal data, each with a key store of its own (ADR 0012, 0014:
 * `openKeyStore(config, owner)`): a person's key lives with the one service that seals their
 * data, so that one service's tooling never hands out another's keys. All are wrapped by the one
 * master key, so a rotation (`rotateMasterKey`) rewraps every one of them before it retires the
 * old key: a store it forgot would be unreadable once the retired key is deleted.
 */
export const PERSONAL_DATA_OWNERS = ['intake', 'capacity-building'] as const;
export type PersonalDataOwner = (typeof PERSONAL_DATA_OWNERS)[number];
