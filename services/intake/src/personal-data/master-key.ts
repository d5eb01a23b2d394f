import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dataFile, ServiceConfig } from '@oriental/service-kit';

/**
 * The master key wrapping every beneficiary key: PERSONAL_DATA_MASTER_KEY when set (the
 * distributed run, where instances must share it), else a file created once under DATA_DIR
 * for the embedded run, readable by its owner only.
 */
export const loadMasterKey = (config: ServiceConfig): Buffer => {
  if (config.PERSONAL_DATA_MASTER_KEY) return Buffer.from(config.PERSONAL_DATA_MASTER_KEY, 'base64');
  const file = dataFile(config, 'personal-data.master.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
};
