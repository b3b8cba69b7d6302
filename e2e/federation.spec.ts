// A real federation on loopback: the server from src/server, two headless clients
// (`npm run client`) on disjoint shards of the HAM10000 archive with oracle labels, and the
// UI client in Chromium through the web host. The UI client joins with an enrolment code,
// imports real dermoscopy images, labels its random start set and its FairFAL query by
// keyboard, and the federation completes its cycles.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { startFederationServer, type FederationServer } from './federation-fixtures';
import { datasetImages, expect, hamLabels, screenshotPath, test } from './fixtures';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const truth = hamLabels('ham10000-dermoscopy');
const DERMA_NPZ = resolve('..', 'shared', 'datasets', 'dermamnist-ham10000-28.npz');

interface Headless {
  proc: ChildProcess;
  dir: string;
  log: () => string;
}

function startHeadless(server: FederationServer, code: string, k: number): Headless {
  const dir = mkdtempSync(join(tmpdir(), `fairfal-e2e-headless${k}-`));
  const proc = spawn(process.execPath, [
    '--import', 'tsx', 'src/cli/client.ts', '--data-dir', dir, '--server', server.url, '--code', code, '--display-name', `lab client ${k}`,
    '--import', DERMA_NPZ, '--npz-split', 'val', '--npz-shard', `${k}/2`, '--oracle', '--initial-labels', '0.05', '--seed', String(k + 1),
    '--local-only-epochs', '3', '--long-poll-ms', '2000', '--json',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  return { proc, dir, log: () => log };
}

async function stopHeadless(h: Headless): Promise<void> {
  if (h.proc.exitCode === null) {
    const exited = new Promise((r) => h.proc.once('exit', r));
    h.proc.kill('SIGTERM');
    await exited;
  }
  rmSync(h.dir, { recursive: true, force: true });
}

/** Labels every open image of the queue with its ground truth, by keyboard. */
async function labelQueue(page: Page): Promise<number> {
  const progress = page.getByTestId('queue-progress');
  await expect(progress).toContainText(/\/ \d+ labeled/);
  const budget = Number(/\/ (\d+) labeled/.exec((await progress.textContent())!)![1]);
  for (let done = Number(/(\d+)\s*\//.exec((await progress.textContent())!)![1]); done < budget; done++) {
    const file = (await page.getByTestId('current-file').textContent())!.trim();
    const dx = truth.get(file.replace(/\.jpg$/i, ''))!;
    await page.keyboard.press(String(CLASSES.indexOf(dx) + 1));
    await expect(progress).toContainText(`${done + 1} / ${budget} labeled`);
  }
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  return budget;
}

// No action may wait forever: a missing button fails the run instead of hanging it.
test.use({ actionTimeout: 60_000 });

test('federated: the UI client joins, labels its queues and the federation completes its cycles', async ({ host, page }) => {
  test.setTimeout(900_000);
  const server = await startFederationServer({
    name: 'E2E dermoscopy federation',
    classNames: CLASSES,
    model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
    cycles: 2,
    roundsPerCycle: 1,
    localEpochs: 1,
    labelingBudgetPerCycle: 30,
    minClientsPerRound: 3,
    roundDeadlineSeconds: 600,
    queryDeadlineSeconds: 300,
    // Short: a client whose ready report is lost must not stall the run for long.
    labelingDeadlineSeconds: 90,
    // Issue 19: the clinics run secure aggregation with distributed DP noise (small, so the model still learns).
    secureAggregation: {},
    differentialPrivacy: { noiseMultiplier: 0.05, clipNorm: 1, weightCap: 30 },
  });
  const codes = server.enrolCodes(3);
  expect(codes).toHaveLength(3);
  const headless = [startHeadless(server, codes[1]!, 0), startHeadless(server, codes[2]!, 1)];
  try {
    // ---- Join through the first-run screen.
    await page.goto(host.openUrl);
    await page.getByTestId('mode-join').click();
    // Plain http to another machine is flagged before anything is sent; loopback is not.
    await page.getByTestId('server-url').fill('http://10.20.30.40:8470');
    await expect(page.getByText(/travel unencrypted/)).toBeVisible();
    await page.getByText('Security: server certificate').click();
    await page.getByTestId('certificate-pin').fill('not-a-fingerprint');
    await expect(page.getByText(/64 hexadecimal digits/)).toBeVisible();
    await expect(page.getByTestId('join')).toBeDisabled();
    await page.screenshot({ path: screenshotPath('ui-join-security.png') });
    await page.getByTestId('certificate-pin').fill('');
    await page.getByTestId('server-url').fill(server.url);
    await expect(page.getByText(/travel unencrypted/)).toHaveCount(0);
    await page.getByTestId('enrol-code').fill(codes[0]!.toLowerCase());
    await page.screenshot({ path: screenshotPath('ui-join.png') });
    await page.getByTestId('join').click();
    await expect(page.getByTestId('connection-state')).toContainText(/Online|Connecting|Offline/);

    // ---- This clinic withholds its balance figure (the allow-list in Settings).
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('share-gamma').uncheck();
    await expect(page.getByTestId('share-gamma')).not.toBeChecked();
    await expect(page.getByTestId('share-metrics')).not.toBeChecked();
    await page.getByTestId('nav-import').click();

    // ---- Import the clinic's images.
    await page.getByTestId('import-path').fill(datasetImages('ham10000-dermoscopy'));
    await page.getByTestId('import-start').click();
    await expect(page.getByTestId('summary-imported')).toHaveText('42', { timeout: 120_000 });

    // ---- Cycle 1: a random start set (no labels yet), then FairFAL's query.
    await page.getByTestId('nav-queue').click();
    await expect(page.getByTestId('current-file')).toBeVisible({ timeout: 180_000 });
    await expect(page.getByTestId('reason-panel')).toContainText('First set: one image per group');
    await labelQueue(page);
    await page.getByTestId('finish-cycle').first().click();

    await expect(page.getByTestId('reason-panel')).toContainText('FairFAL', { timeout: 600_000 });
    await expect(page.getByTestId('reason-panel')).toContainText('Queried by');
    await expect(page.getByTestId('connection-state')).toContainText('Online');
    await page.screenshot({ path: screenshotPath('ui-federated-queue.png') });
    await labelQueue(page);
    await page.getByTestId('finish-cycle').first().click();

    // ---- The federation trains its last cycle with these labels and finishes.
    await expect(page.getByTestId('cycle-control').first()).toHaveAttribute('data-step', 'finished', { timeout: 600_000 });
    await page.getByTestId('nav-dashboard').click();
    await expect(page.getByTestId('dash-connection')).toContainText('Online');
    await page.screenshot({ path: screenshotPath('ui-federated-dashboard.png') });
    // Settings says, in plain words, what this workstation sent the server.
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('what-leaves')).toContainText('never leave this workstation');
    await expect(page.getByTestId('what-leaves')).toContainText('Model update, masked (secure aggregation)');
    await expect(page.getByTestId('privacy-description')).toContainText('Secure aggregation: this clinic\'s model update leaves the workstation masked');
    await expect(page.getByTestId('privacy-description')).toContainText('Each clinic adds its share of the noise');
    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      await page.setViewportSize({ width, height });
      await page.getByTestId('privacy-description').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath(`ui-federated-privacy-${width}x${height}.png`) });
      await page.getByTestId('what-leaves').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath(`ui-federated-what-leaves-${width}x${height}.png`) });
    }
    await expect(page.getByTestId('what-leaves')).toContainText('Not masked: it goes to the server as it is, even with secure aggregation');
    await page.getByTestId('what-leaves').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('ui-federated-settings.png') });
    // The server unmasked sums only: it logged its secure rounds, and every round closed that way.
    expect(server.output()).toContain('secure aggregation: sum unmasked');
    const status = server.status() as { clients?: unknown[] };
    expect(JSON.stringify(status)).toContain('finished');
    // The server heard "withheld" from this clinic, and gamma_bar came from the others.
    expect(server.output()).toContain('gamma withheld');
    await expect(page.getByTestId('share-gamma')).not.toBeChecked();
  } catch (err) {
    for (const [k, h] of headless.entries()) console.error(`--- headless client ${k}:\n${h.log().slice(-3000)}`);
    console.error(`--- server:\n${server.output().slice(-3000)}\n--- web host:\n${host.output().slice(-3000)}`);
    throw err;
  } finally {
    for (const h of headless) await stopHeadless(h);
    await server.stop();
  }
});
