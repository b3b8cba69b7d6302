// The allow-list of optional reports (issue 19): gamma_k shared by default and sent as
// "withheld" when the clinic says so; accuracy figures withheld until the clinic opts in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientNode } from '../client-node';
import { FileSecretStore } from './secret-store';
import { webMediaUrl } from '../vault/media-store';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('report allow-list', () => {
  it('sends gamma_k or "withheld" as the clinic chose, keeps the choice across restarts, and sends no metrics unless shared', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-reports-'));
    dirs.push(dataDir);
    const open = () => createClientNode({ dataDir, secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl });
    let node = open();
    expect(await node.services.federation.getReportPolicy(undefined)).toEqual({ gamma: 'share', metrics: 'withhold' });
    const bodyOf = (key: string) => JSON.parse(node.link.outbox.get(key)!.body.toString('utf8')) as unknown;
    // Not joined: delivery fails, the outbox keeps what would be sent.
    await node.link.submitGamma(0, 0.31).catch(() => {});
    expect(bodyOf('gamma:0')).toEqual({ gamma: 0.31 });
    await node.services.federation.setReportPolicy({ gamma: 'withhold', metrics: 'withhold' });
    await node.close();

    node = open();
    expect((await node.services.federation.getReportPolicy(undefined)).gamma).toBe('withhold');
    await node.link.submitGamma(1, 0.31).catch(() => {});
    expect(bodyOf('gamma:1')).toEqual({ gamma: null });
    await node.link.reportMetrics(5 as never, 0.8);
    expect(node.link.outbox.get('metrics:5')).toBeNull();
    await node.services.federation.setReportPolicy({ gamma: 'share', metrics: 'share' });
    await node.link.reportMetrics(6 as never, 0.8).catch(() => {});
    expect(bodyOf('metrics:6')).toEqual({ localTestAccuracy: 0.8 });
    await node.close();
  });
});
