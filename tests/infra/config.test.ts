import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { loadConfig } from '../../infra/lib/config.ts';
import { CDK_CONTEXT } from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

const read =
  (overrides: Record<string, unknown> = {}) =>
  (key: string): unknown =>
    key in overrides ? overrides[key] : CDK_CONTEXT[key];

describe('loadConfig', () => {
  test('reads the committed context into typed configuration with sized defaults', () => {
    const config = loadConfig(read());
    expect(config.account).toMatch(/^\d{12}$/);
    expect(config.region).toBe('eu-west-1');
    expect(config.availabilityZones.length).toBeGreaterThanOrEqual(2);
    expect(config.sizes.minTasks).toBe(2);
    expect(config.enableGuardDuty).toBe(true);
  });

  test('accepts -c strings the CLI passes: numbers, booleans, comma-separated zones', () => {
    const config = loadConfig(
      read({
        minTasks: '3',
        maxTasks: '6',
        enableGuardDuty: 'false',
        availabilityZones: 'eu-west-1a, eu-west-1c',
      }),
    );
    expect(config.sizes.minTasks).toBe(3);
    expect(config.enableGuardDuty).toBe(false);
    expect(config.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1c']);
  });

  test('defaults to the first two zones of the region', () => {
    const config = loadConfig(read({ availabilityZones: undefined, region: 'us-west-2' }));
    expect(config.availabilityZones).toEqual(['us-west-2a', 'us-west-2b']);
  });

  test.each([
    ['account', '1234', /account/],
    ['region', 'Europe', /region/],
    ['domainName', 'bastion.other.org', /not inside hosted zone/],
    ['availabilityZones', ['eu-west-1a'], /two or more zones/],
    ['availabilityZones', ['eu-west-1a', 'us-east-1b'], /two or more zones of eu-west-1/],
    ['minTasks', '-1', /minTasks/],
    ['maxTasks', '2.5', /maxTasks/],
    ['logRetentionDays', 42, /logRetentionDays/],
    ['enableConfigRecorder', 'yes', /enableConfigRecorder/],
    ['cloudFrontPrefixListId', 'sg-123', /cloudFrontPrefixListId/],
    ['alarmEmail', undefined, /alarmEmail/],
  ])('rejects %s = %p, naming the key', (key, value, message) => {
    expect(() => loadConfig(read({ [key]: value }))).toThrow(message);
  });

  test('allows zero tasks, for the first deploy before migrations have run', () => {
    expect(loadConfig(read({ minTasks: '0' })).sizes.minTasks).toBe(0);
  });

  test('rejects fewer maximum than minimum tasks', () => {
    expect(() => loadConfig(read({ minTasks: 4, maxTasks: 3 }))).toThrow(/maxTasks/);
  });
});
