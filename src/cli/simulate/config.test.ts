import { describe, expect, it } from 'vitest';
import { ConfigError, FLAGS, helpText, parseFlags, resolveConfig, resultAffectingConfig } from './config';
import { roundHundredsHalfEven } from '../../core';
import { cycleFractions, perClientCount } from './plan';
import { roundLearningRate } from '../../core/protocol';
import { formatDuration, ProgressBar } from './progress';
import { deriveSeed } from './seeds';

describe('config', () => {
  it('fills defaults, then the JSON file, then flags (flags win)', () => {
    const file = JSON.stringify({ dataset: 'a.npz', rounds: 20, strategy: 'random' });
    const cfg = resolveConfig(['--config', 'x.json', '--rounds', '7', '--no-hflip', '--alpha=0.5'], () => file);
    expect(cfg.dataset).toBe('a.npz');
    expect(cfg.strategy).toBe('random');
    expect(cfg.rounds).toBe(7);
    expect(cfg.hflip).toBe(false);
    expect(cfg.alpha).toBe(0.5);
    expect(cfg.localEpochs).toBe(5);
    expect(cfg.clients).toBe(10);
  });

  it('rejects unknown flags, bad values and unknown keys in the file with ConfigError', () => {
    expect(() => resolveConfig(['--dataset', 'a', '--bogus', '1'])).toThrow(/unknown flag --bogus/);
    expect(() => resolveConfig(['--dataset', 'a', '--rounds', 'two'])).toThrow(ConfigError);
    expect(() => resolveConfig(['--dataset', 'a', '--rounds', '1.5'])).toThrow(/integer/);
    expect(() => resolveConfig(['--dataset', 'a', '--strategy', 'magic'])).toThrow(/strategy/);
    expect(() => resolveConfig(['--config', 'x'], () => '{"dataset":"a","roundz":3}')).toThrow(/roundz|unrecognized/i);
    expect(() => resolveConfig(['--config', 'x'], () => 'not json')).toThrow(/cannot read config/);
    expect(() => resolveConfig([])).toThrow(/dataset/);
    expect(() => resolveConfig(['--dataset', 'a', '--initial-fraction', '0.3', '--target-fraction', '0.2'])).toThrow(/targetFraction/);
  });

  it('documents every flag in --help', () => {
    const help = helpText();
    for (const f of FLAGS) expect(help).toContain(`--${f.flag}`);
    expect(help).toContain('--config');
    expect(help).toContain('report');
  });

  it('boolean flags accept an explicit value', () => {
    expect(parseFlags(['--progress', 'false']).values['progress']).toBe(false);
    expect(parseFlags(['--fresh']).values['fresh']).toBe(true);
  });

  it('ignores run-time-only settings when deciding whether a resume matches', () => {
    const a = resolveConfig(['--dataset', 'a', '--workers', '1', '--no-progress']);
    const b = resolveConfig(['--dataset', 'a', '--workers', '2', '--out', 'x']);
    expect(resultAffectingConfig(a)).toEqual(resultAffectingConfig(b));
    expect(resultAffectingConfig(resolveConfig(['--dataset', 'a', '--seed', '2']))).not.toEqual(resultAffectingConfig(a));
  });
});

describe('protocol arithmetic', () => {
  it("rounds like Python's round(n, -2) (ties to even)", () => {
    expect(roundHundredsHalfEven(7016)).toBe(7000);
    expect(roundHundredsHalfEven(7050)).toBe(7000);
    expect(roundHundredsHalfEven(7150)).toBe(7200);
    expect(roundHundredsHalfEven(7051)).toBe(7100);
    expect(roundHundredsHalfEven(1080)).toBe(1100);
  });

  it('budget per client is int(round(N,-2) * f / K)', () => {
    expect(perClientCount(7016, 0.05, 10)).toBe(35);
    expect(perClientCount(1080, 0.05, 2)).toBe(27);
    expect(perClientCount(97477, 0.05, 10)).toBe(487);
  });

  it('cycles run from the initial fraction to the target inclusive', () => {
    expect(cycleFractions({ initialFraction: 0.05, queryFraction: 0.05, targetFraction: 0.25 })).toEqual([0.05, 0.1, 0.15, 0.2, 0.25]);
    expect(cycleFractions({ initialFraction: 0.05, queryFraction: 0.05, targetFraction: 0.45 })).toHaveLength(9);
  });

  it('lr drops for rounds r > int(0.75 R), as the official adjust_learning_rate (the protocol the server serves)', () => {
    const s = { initial: 0.01, decayFactor: 0.1, decayAtRoundFraction: 0.75 };
    expect(roundLearningRate(s, 15, 20)).toBe(0.01);
    expect(roundLearningRate(s, 16, 20)).toBeCloseTo(0.001, 12);
  });

  it('derived seeds differ by purpose and position, and are stable', () => {
    expect(deriveSeed(1, 'train', 0, 0, 0)).toBe(deriveSeed(1, 'train', 0, 0, 0));
    const seen = new Set([deriveSeed(1, 'train', 0, 0, 1), deriveSeed(1, 'train', 0, 1, 0), deriveSeed(2, 'train', 0, 0, 0), deriveSeed(1, 'init', 0)]);
    expect(seen.size).toBe(4);
  });
});

describe('progress', () => {
  it('estimates the remaining time from the measured rate', () => {
    let t = 0;
    const lines: string[] = [];
    const bar = new ProgressBar({ isTTY: false, write: (s) => lines.push(s) }, 5, 1000, () => t, 0);
    bar.setPhase(0, 'round 1/20', 10);
    t = 10_000;
    bar.addWork(250);
    expect(bar.eta()).toBeCloseTo(30_000, 6);
    expect(bar.line()).toMatch(/25\.0% cycle 1\/5 round 1\/20 clients 0\/10 ETA 30s/);
    expect(formatDuration(3_723_000)).toBe('1h02m');
  });
});
