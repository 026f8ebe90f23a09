import { describe, expect, it } from 'vitest';
import { ConfigError } from '@bpf-ci/domain';
import { DEFAULT_CONFIG, parseConfig, thresholdFor } from '@bpf-ci/veristat';

describe('veristat-diff config', () => {
  it('defaults follow kernel-patches: new failures fail, states changes warn at 0 %, duration has a noise floor', () => {
    expect(DEFAULT_CONFIG.newFailure).toBe('fail');
    expect(thresholdFor(DEFAULT_CONFIG, 'states')).toEqual({
      warnPct: 0,
      failPct: null,
      minAbs: 0,
      minPct: 0,
    });
    expect(thresholdFor(DEFAULT_CONFIG, 'insns')).toEqual({
      warnPct: null,
      failPct: null,
      minAbs: 0,
      minPct: 0,
    });
    expect(thresholdFor(DEFAULT_CONFIG, 'duration')).toEqual({
      warnPct: null,
      failPct: null,
      minAbs: 100_000,
      minPct: 100,
    });
  });

  it('reads YAML and JSON, by veristat name or alias, and makes thresholds stricter', () => {
    const yaml = parseConfig(
      'metrics:\n  total_insns: { warnPct: 2, failPct: 10 }\n  duration: { minAbs: 5000 }\n',
    );
    expect(thresholdFor(yaml, 'insns')).toEqual({ warnPct: 2, failPct: 10, minAbs: 0, minPct: 0 });
    expect(thresholdFor(yaml, 'duration')).toEqual({
      warnPct: null,
      failPct: null,
      minAbs: 5000,
      minPct: 100,
    });
    const json = parseConfig('{"metrics": {"states": {"failPct": 0}}, "removedProgram": "fail"}');
    expect(thresholdFor(json, 'states').failPct).toBe(0);
    expect(json.removedProgram).toBe('fail');
  });

  it('names the file, the key and the allowed values in errors', () => {
    expect(() => parseConfig('metrics:\n  statez: { failPct: 5 }\n', 'ci/veristat.yml')).toThrow(ConfigError);
    expect(() => parseConfig('metrics:\n  statez: { failPct: 5 }\n', 'ci/veristat.yml')).toThrow(
      /ci\/veristat\.yml: invalid config:[\s\S]*unknown metric 'statez'; use one of: default, duration, .*states/,
    );
    expect(() => parseConfig('metrics:\n  states: { failPct: "5%" }\n', 'c.yml')).toThrow(
      /metrics\.states\.failPct/,
    );
    expect(() => parseConfig('metrics:\n  states: { failPct: -1 }\n', 'c.yml')).toThrow(
      /metrics\.states\.failPct/,
    );
    expect(() => parseConfig('newFailure: maybe\n', 'c.yml')).toThrow(
      /expected one of "fail"\|"warn"\|"notice"\|"ignore"[\s\S]*at newFailure/,
    );
    expect(() => parseConfig('metrics:\n  states: { warn: 5 }\n', 'c.yml')).toThrow(
      /Unrecognized key: "warn"/,
    );
    expect(() => parseConfig('metrics: [\n', 'c.yml')).toThrow(/c\.yml: not valid YAML\/JSON/);
  });
});
