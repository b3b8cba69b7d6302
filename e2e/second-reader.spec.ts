// Second reader and adjudication, as two dermatologists would use it on one workstation: Dr A
// labels the cycle's queue (a double-click labels one image; a gallery label counts in the queue), Dr B reads every image again blind, one call differs, the
// disagreement is adjudicated, the dashboard shows Cohen's kappa with n, and the export carries
// both calls and the adjudicator.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { datasetImages, expect, hamLabels, screenshotPath, test } from './fixtures';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const truth = hamLabels('ham10000-dermoscopy');
test.use({ actionTimeout: 60_000 });

async function truthOf(page: Page, testId: string): Promise<{ file: string; dx: string }> {
  const file = (await page.getByTestId(testId).textContent())!.trim();
  return { file, dx: truth.get(file.replace(/\.jpg$/i, ''))! };
}

async function readAs(page: Page, name: string): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('current-reader').selectOption(name);
  await expect(page.getByTestId('current-reader')).toHaveValue(name);
}

test('second reader: blind second readings, a disagreement adjudicated, kappa on the dashboard, both calls exported', async ({ host, page }) => {
  test.setTimeout(600_000);
  await page.goto(host.openUrl);
  await page.getByTestId('preset-ham10000').click();
  await page.getByTestId('annotator-input').fill('Dr A');
  await page.getByTestId('budget-input').fill('6');
  await page.getByTestId('start-standalone').click();
  await page.getByTestId('import-path').fill(datasetImages('ham10000-dermoscopy'));
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('summary-imported')).toHaveText('42', { timeout: 120_000 });

  // A second reader, and every image of the queue read twice.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('new-reader').fill('Dr B');
  await page.getByTestId('add-reader').click();
  await page.getByTestId('second-read-share').selectOption('1');
  await page.getByTestId('readers-panel').screenshot({ path: screenshotPath('ui-settings-readers.png') });

  // Dr A labels the queue with the true classes.
  await page.getByTestId('nav-dashboard').click();
  await page.getByTestId('start-cycle').first().click();
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('current-file')).toBeVisible({ timeout: 300_000 });
  // A double-click on a class button labels the image on screen once, never the next one too.
  const first = await truthOf(page, 'current-file');
  await page.getByTestId(`class-${first.dx}`).dblclick();
  await expect(page.getByTestId('current-file')).not.toHaveText(first.file);
  await expect(page.getByTestId('queue-progress')).toContainText('1 / 6 labeled');
  await expect(page.getByTestId('current-label')).toHaveText('Not labeled');
  // A label given in the gallery counts in the queue too.
  await page.getByTestId('nav-gallery').click();
  await page.getByTestId('filter-queued').click();
  await page.getByTestId('gallery-tile').first().click();
  const fromGallery = (await page.getByTestId('sample-drawer').locator('.drawer-head .mono').textContent())!.trim();
  await page.getByTestId(`relabel-${truth.get(fromGallery.replace(/\.jpg$/i, ''))!}`).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('queue-progress')).toContainText('2 / 6 labeled');
  for (let i = 2; i < 6; i++) {
    const t = await truthOf(page, 'current-file');
    await page.keyboard.press(String(CLASSES.indexOf(t.dx) + 1));
    await expect(page.getByTestId('queue-progress')).toContainText(`${i + 1} / 6 labeled`);
  }

  // Dr B reads them blind: the first call is not shown; one call differs.
  await readAs(page, 'Dr B');
  await page.getByTestId('nav-review').click();
  await expect(page.getByTestId('pending-reads')).toHaveText('6');
  await expect(page.getByTestId('second-read')).not.toContainText('Dr A');
  await page.screenshot({ path: screenshotPath('ui-second-read.png') });
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await expect(page.getByTestId('review-unsure')).toBeInViewport();
    await page.screenshot({ path: screenshotPath(`ui-second-read-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  let disputed = '';
  for (let i = 0; i < 6; i++) {
    const t = await truthOf(page, 'review-file');
    const call = i === 0 ? (t.dx === 'nv' ? 'mel' : 'nv') : t.dx;
    if (i === 0) disputed = t.file;
    await page.keyboard.press(String(CLASSES.indexOf(call) + 1));
    await expect(page.getByTestId('pending-reads')).toHaveText(String(5 - i));
  }
  await expect(page.getByTestId('pending-adjudications')).toHaveText('1');

  // The dashboard before adjudication: 6 images read twice, 1 waiting.
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('kappa-n')).toHaveText('6');
  await expect(page.getByTestId('kappa-waiting')).toHaveText('1');
  await expect(page.getByTestId('kappa-overall')).toHaveText(/^κ = (0\.\d\d|1\.00)$/);
  await expect(page.getByTestId('kappa-per-class')).toBeVisible();
  await page.getByTestId('agreement').screenshot({ path: screenshotPath('ui-dashboard-agreement.png') });

  // Adjudication by a third reader: both calls shown with who made them.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('new-reader').fill('Dr C');
  await page.getByTestId('add-reader').click();
  await readAs(page, 'Dr C');
  await page.getByTestId('nav-review').click();
  await page.getByTestId('tab-adjudicate').click();
  await expect(page.getByTestId('review-file')).toHaveText(disputed);
  await expect(page.getByTestId('calls')).toContainText('Dr A:');
  await expect(page.getByTestId('calls')).toContainText('Dr B:');
  await page.screenshot({ path: screenshotPath('ui-adjudication.png') });
  const right = truth.get(disputed.replace(/\.jpg$/i, ''))!;
  await page.keyboard.press(String(CLASSES.indexOf(right) + 1));
  await expect(page.getByTestId('pending-adjudications')).toHaveText('0');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('kappa-waiting')).toHaveText('0');

  // The export: every reader's call and the adjudicator.
  await page.getByTestId('nav-settings').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r\n/);
  expect(csv[0]!.endsWith(',readings,adjudicated_by')).toBe(true);
  const row = csv.find((l) => l.includes(disputed))!;
  expect(row).toMatch(/,Dr A: \w+; Dr B: \w+,Dr C$/);
  expect(row).toContain(`,${right},`);
  expect(csv.filter((l) => /,Dr A: (\w+); Dr B: \1,$/.test(l))).toHaveLength(5);
});
