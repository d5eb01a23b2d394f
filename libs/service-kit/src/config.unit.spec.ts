import { ConfigurationError, loadConfig } from './config';

describe('configuration', () => {
  it('defaults to the embedded run: SQLite, in-process bus and read store', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ EVENT_STORE: 'sqlite', BUS: 'memory', READ_STORE: 'memory', INTAKE_PORT: 3001, REPORTING_PORT: 3004 });
  });

  it('names the variable a choice requires', () => {
    expect(() => loadConfig({ BUS: 'kafka' })).toThrow(/KAFKA_BROKERS is required when BUS=kafka/);
    expect(() => loadConfig({ READ_STORE: 'mongodb' })).toThrow(/MONGODB_URI is required when READ_STORE=mongodb/);
    expect(() => loadConfig({ EVENT_STORE: 'kurrentdb' })).toThrow(/KURRENTDB_URL is required/);
    expect(() => loadConfig({ KEY_STORE: 'mongodb' })).toThrow(/MONGODB_URI is required when KEY_STORE=mongodb/);
  });

  it('names a wrong value and lists every problem at once', () => {
    try {
      loadConfig({ BUS: 'rabbit', INTAKE_PORT: 'abc' });
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const { problems } = error as ConfigurationError;
      expect(problems.join('\n')).toMatch(/BUS/);
      expect(problems.join('\n')).toMatch(/INTAKE_PORT/);
    }
  });

  it('reports a missing required variable together with other wrong values', () => {
    expect(() => loadConfig({ BUS: 'kafka', READ_STORE: 'mongo' })).toThrow(/READ_STORE[\s\S]*KAFKA_BROKERS is required when BUS=kafka/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '' }).KAFKA_BROKERS).toBeUndefined();
  });
});
