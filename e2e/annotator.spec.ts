// The annotator end to end in Chromium through the web host, on real HAM10000 images:
// standalone setup, import, keyboard labeling with undo, reload durability, dashboard
// balance, gallery, CSV export — with a screenshot of every screen for a person to check.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { datasetImages, expect, hamLabels, screenshotPath, test } from './fixtures';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const truth = hamLabels('ham10000-dermoscopy');

async function balance(page: Page): Promise<Record<string, number>> {
  const bars = page.getByTestId('class-balance-chart').locator('[data-bar]');
  await expect(bars).toHaveCount(CLASSES.length);
  const out: Record<string, number> = {};
  for (const b of await bars.all()) out[(await b.getAttribute('data-bar'))!] = Number(await b.getAttribute('data-value'));
  return out;
}

async function currentTruth(page: Page): Promise<{ file: string; dx: string }> {
  const file = (await page.getByTestId('current-file').textContent())!.trim();
  const dx = truth.get(file.replace(/\.jpg$/i, ''));
  if (!dx) throw new Error(`no ground truth for ${file}`);
  return { file, dx };
}

// No action may wait forever: a missing button fails the run instead of hanging it.
test.use({ actionTimeout: 60_000 });

test('standalone: import HAM10000, label 10 with the keyboard, undo, reload, dashboard, export CSV', async ({ host, page }) => {
  test.setTimeout(600_000);
  await page.goto(host.openUrl);

  // ---- First run: standalone with the HAM10000 preset.
  await expect(page.getByTestId('first-run')).toBeVisible();
  await page.getByTestId('preset-ham10000').click();
  await page.getByTestId('annotator-input').fill('Dr. E2E Tester');
  await page.getByTestId('budget-input').fill('12');
  await page.screenshot({ path: screenshotPath('ui-first-run.png') });
  // The model choices (issue 16) at both screen sizes: every field of the form reachable.
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.getByTestId('backbone-input').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('model-select')).toBeInViewport();
    await page.screenshot({ path: screenshotPath(`ui-first-run-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('start-standalone').click();

  // ---- Import the folder (typed path: the web host has no native picker).
  await expect(page.getByTestId('import-path')).toBeVisible();
  await page.getByTestId('import-path').fill(datasetImages('ham10000-dermoscopy'));
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('summary-imported')).toHaveText('42');
  // labels.csv sits in the folder: not an image, so skipped quietly and counted, not rejected.
  await expect(page.getByTestId('summary-rejected')).toHaveText('0');
  await expect(page.getByTestId('summary-other-files')).toContainText('1 other file beside the images skipped (not images): labels.csv');
  await page.screenshot({ path: screenshotPath('ui-import.png') });

  // ---- Dashboard before labeling: every bar at zero.
  await page.getByTestId('nav-dashboard').click();
  const before = await balance(page);
  expect(Object.values(before).reduce((a, b) => a + b, 0)).toBe(0);

  // ---- Start the first cycle and wait for the query.
  await page.getByTestId('start-cycle').first().click();
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('current-file')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('reason-panel')).toContainText('Rank');
  await expect(page.getByTestId('queue-image').locator('img')).toHaveJSProperty('complete', true);
  await page.screenshot({ path: screenshotPath('ui-queue.png') });
  // "Fit" fits: at 1280x720 and 1920x1080 the whole image is painted inside the stage, the
  // buttons below stay on screen, and the badge gives the real magnification.
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await expect.poll(() => paintedInsideStage(page), { timeout: 10_000 }).toBe(true);
    await expect(page.getByTestId('btn-skip')).toBeInViewport();
    await expect(page.locator('.zoom-readout')).toHaveText(/^Fit · \d+%$/);
    await page.screenshot({ path: screenshotPath(`ui-queue-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // ---- Label 10 images with the true class, by key; undo the last one.
  const labeled: { file: string; dx: string }[] = [];
  for (let i = 0; i < 10; i++) {
    const t = await currentTruth(page);
    await page.keyboard.press(String(CLASSES.indexOf(t.dx) + 1));
    await expect(page.getByTestId('current-file')).not.toHaveText(t.file);
    labeled.push(t);
  }
  await expect(page.getByTestId('queue-progress')).toContainText('10 / 12 labeled');
  await page.keyboard.press('z');
  const undone = labeled.pop()!;
  await expect(page.getByTestId('current-file')).toHaveText(undone.file);
  await expect(page.getByTestId('current-label')).toHaveText('Not labeled');
  await expect(page.getByTestId('queue-progress')).toContainText('9 / 12 labeled');
  // Every decision's IndexedDB transaction has committed (shown to the annotator too).
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');

  // ---- Reload: every label is still there (Dexie first), the undone one is not.
  await page.reload();
  await page.getByTestId('nav-gallery').click();
  await page.getByTestId('filter-labeled').click();
  await expect(page.getByTestId('gallery-tile')).toHaveCount(9);
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('queue-progress')).toContainText('9 / 12 labeled');
  await expect(page.getByTestId('current-file')).toHaveText(undone.file);
  // A note on this image (typing digits in it labels nothing), then label it again (now 10)
  // and check the labels reached the client node.
  await page.getByTestId('note-input').fill('lesion partly out of frame 2');
  await page.getByTestId('note-input').press('Escape');
  await expect(page.getByTestId('note-state')).toHaveAttribute('data-state', 'saved');
  await expect(page.getByTestId('current-label')).toHaveText('Not labeled');
  await page.keyboard.press(String(CLASSES.indexOf(undone.dx) + 1));
  labeled.push(undone);
  await expect(page.getByTestId('queue-progress')).toContainText('10 / 12 labeled');
  await expect(page.getByTestId('sync-state')).toHaveText('All labels saved for training', { timeout: 30_000 });

  // ---- Dashboard: the class balance follows the labels.
  await page.getByTestId('nav-dashboard').click();
  const expected: Record<string, number> = Object.fromEntries(CLASSES.map((c) => [c, 0]));
  for (const l of labeled) expected[l.dx]! += 1;
  await expect.poll(() => balance(page)).toEqual(expected);
  await expect(page.getByTestId('balance-total')).toContainText('10 labeled');
  await page.screenshot({ path: screenshotPath('ui-dashboard.png') });

  // ---- Gallery with a relabel drawer.
  await page.getByTestId('nav-gallery').click();
  await page.getByTestId('filter-all').click();
  await expect(page.getByTestId('gallery-tile')).toHaveCount(42);
  await page.getByTestId('gallery-tile').first().click();
  await expect(page.getByTestId('sample-drawer')).toBeVisible();
  await page.screenshot({ path: screenshotPath('ui-gallery.png') });
  await page.keyboard.press('Escape');

  // ---- Exclude an image from the study in the gallery, restore it, exclude it again.
  const excludeFirstUnlabeled = async (reason: string, detail: string): Promise<string> => {
    await page.getByTestId('filter-unlabeled').click();
    await page.getByTestId('gallery-tile').first().click();
    const file = (await page.getByTestId('sample-drawer').locator('.drawer-head .mono').textContent())!.trim();
    await page.getByTestId('btn-exclude').click();
    await page.getByTestId(`exclude-reason-${reason}`).check();
    await page.getByTestId('exclude-detail').fill(detail);
    await page.screenshot({ path: screenshotPath('ui-gallery-exclude.png') });
    await page.getByTestId('confirm-exclude').click();
    return file;
  };
  const excludedFile = await excludeFirstUnlabeled('wrong-modality', 'fundus photograph not dermoscopy');
  await page.getByTestId('filter-excluded').click();
  await expect(page.getByTestId('gallery-tile')).toHaveCount(1);
  await page.getByTestId('gallery-tile').first().click();
  await expect(page.getByTestId('excluded-notice')).toContainText('Wrong kind of image for this study (fundus photograph not dermoscopy)');
  await page.screenshot({ path: screenshotPath('ui-gallery-excluded.png') });
  await page.getByTestId('btn-restore').click();
  await expect(page.getByTestId('gallery-tile')).toHaveCount(0);
  await page.getByTestId('filter-unlabeled').click();
  await expect(page.getByTestId('gallery-tile').filter({ hasText: excludedFile })).toHaveCount(1); // back in the pool
  expect(await excludeFirstUnlabeled('wrong-modality', 'fundus photograph not dermoscopy')).toBe(excludedFile);
  await page.getByTestId('filter-excluded').click();
  await expect(page.getByTestId('gallery-tile')).toHaveCount(1);

  // ---- Settings: export CSV and check its rows.
  await page.getByTestId('nav-settings').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r\n/);
  expect(csv[0]).toBe('sample_id,file_name,class_index,class_code,class_name,annotator,labeled_at,cycle,revision,note,excluded_reason,excluded_detail,readings,adjudicated_by');
  // 10 labels, and the excluded image with its reason (it has no label).
  expect(csv).toHaveLength(12);
  const rows = new Map(csv.slice(1).map((l) => l.split(',')).map((c) => [c[1]!, c]));
  for (const l of labeled) {
    const row = rows.get(l.file);
    expect(row, l.file).toBeDefined();
    expect(row![3]).toBe(l.dx);
    expect(row![0]).toMatch(/^[0-9a-f]{64}$/);
    expect(row![5]).toBe('Dr. E2E Tester');
    expect(Date.parse(row![6]!)).not.toBeNaN();
  }
  // Labeled, undone, labeled again: the second revision of its label.
  expect(rows.get(undone.file)![8]).toBe('2');
  // The note travels with its image's label; images without one have an empty cell.
  expect(rows.get(undone.file)![9]).toBe('lesion partly out of frame 2');
  expect(rows.get(labeled[0]!.file)![9]).toBe('');
  expect(rows.get(excludedFile)!.slice(2, 4)).toEqual(['', '']);
  expect(rows.get(excludedFile)!.slice(10, 12)).toEqual(['wrong-modality', 'fundus photograph not dermoscopy']);
  await expect(page.getByTestId('what-leaves')).toContainText('Nothing. In standalone mode');
  // The study's network in words (issue 16); no backbone, so no backbone panel.
  await expect(page.getByTestId('model-description')).toHaveText('Compact 4-layer network, as in the FairFAL paper (28 × 28 px images)');
  await expect(page.getByTestId('backbone-panel')).toHaveCount(0);
  await page.locator('section[aria-labelledby="s-fed"]').screenshot({ path: screenshotPath('ui-settings-federation.png') });
  await page.screenshot({ path: screenshotPath('ui-settings.png') });

  // ---- Dark theme on the queue.
  await page.getByTestId('theme-dark').click();
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('current-file')).toBeVisible();
  await page.screenshot({ path: screenshotPath('ui-queue-dark.png') });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('theme-light').click();

  // ---- Finish the cycle: the last two, submit, and the next cycle's FairFAL query arrives.
  await page.getByTestId('nav-queue').click();
  for (let i = 0; i < 2; i++) {
    const t = await currentTruth(page);
    await page.keyboard.press(String(CLASSES.indexOf(t.dx) + 1));
    await expect(page.getByTestId('queue-progress')).toContainText(`${11 + i} / 12 labeled`);
  }
  await page.getByTestId('finish-cycle').first().click();
  await expect(page.getByTestId('reason-panel')).toContainText('FairFAL', { timeout: 300_000 });
  // Plain words first, the figures one click away, and no "pseudo-label" beside a prediction.
  await expect(page.getByTestId('reason-summary')).toContainText(/resembles your .+ examples/);
  await expect(page.getByTestId('reason-panel')).toContainText('Closest labeled class');
  // Standalone is a federation of one: the start set, its model and the first FairFAL query are cycle 1.
  await expect(page.getByTestId('cycle-control').first()).toContainText('Cycle 1');
  await expect(page.getByTestId('queue-progress')).toContainText('0 / 12 labeled');
  await expect(page.getByTestId('queue-image').locator('img')).toHaveJSProperty('complete', true);
  await page.screenshot({ path: screenshotPath('ui-queue-fairfal.png') });
  // Similar labeled images, per class, from the model that chose this query.
  await page.getByTestId('similar-labeled').locator('summary').click();
  await expect(page.getByTestId('similar-row').first()).toBeVisible({ timeout: 60_000 });
  const similarImages = await page.getByTestId('similar-labeled').locator('img').count();
  expect(similarImages).toBeGreaterThan(0);
  expect(similarImages).toBeLessThanOrEqual(12);
  await page.getByTestId('similar-labeled').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('ui-queue-similar.png') });
  // The image excluded in the gallery was never offered again.
  await expect(page.locator(`.filmstrip button[title="${excludedFile}"]`)).toHaveCount(0);
  // Exclude one from the queue: it leaves the queue, nothing counts as labeled.
  const poor = (await page.getByTestId('current-file').textContent())!.trim();
  await page.getByTestId('btn-exclude').click();
  await page.getByTestId('exclude-reason-poor-quality').check();
  await page.screenshot({ path: screenshotPath('ui-queue-exclude.png') });
  await page.getByTestId('confirm-exclude').click();
  await expect(page.getByTestId('current-file')).not.toHaveText(poor);
  await expect(page.locator('.viewer-head')).toContainText('of 11');
  await expect(page.locator(`.filmstrip button[title="${poor}"]`)).toHaveCount(0);
  await expect(page.getByTestId('queue-progress')).toContainText('0 / 12 labeled');

  // ---- The dashboard: figures only from held-out labels; with 12 labels there may be none yet
  // (a class needs 3 labels before one is kept aside), and then it says so.
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('metrics-empty').or(page.getByTestId('metrics-n'))).toBeVisible();
  await expect(page.getByTestId('balance-total')).toContainText('12 labeled');
  await page.locator('.app-main').evaluate((e) => e.scrollTo(0, e.scrollHeight));
  await page.screenshot({ path: screenshotPath('ui-dashboard-metrics.png') });

  // ---- Settings: export the trained model (files written by the client node).
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('export-model-tfjs').click();
  await expect(page.getByRole('status').filter({ hasText: /Saved \d+ files?/ })).toContainText('model.json');

  // ---- A second, mixed import: the parent folder holds the 42 dermoscopy images again (skipped
  // as duplicates), 5 larger dermoscopy images and 56 fundus photographs. The fundus photographs are
  // held back for confirmation; no dermoscopy image is. Their previews are built after the import
  // (the 200x150 images above were finished at import), and the import screen follows that.
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-path').fill(dirname(datasetImages('ham10000-dermoscopy')));
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('summary-imported')).toHaveText('61', { timeout: 120_000 });
  await expect(page.getByTestId('summary-duplicates')).toHaveText('42');
  await expect(page.getByTestId('held-count')).toHaveText('56');
  for (const tile of await page.getByTestId('held-tile').all()) expect(await tile.getAttribute('title')).not.toMatch(/^ISIC_/);
  // The same lesion at 600x450 beside its 200x150 original: reported, not merged.
  await expect(page.getByTestId('near-duplicate-count')).toHaveText('1');
  await expect(page.getByTestId('near-duplicate')).toContainText('ISIC_0024311.jpg (new) looks like ISIC_0024311.jpg');
  await expect(page.getByTestId('media-progress')).toContainText('Previews and thumbnails ready', { timeout: 120_000 });
  await expect(page.getByTestId('media-pending')).toHaveText('0');
  await expect(page.getByTestId('media-built')).toHaveText('61');
  await page.getByTestId('import-review').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('ui-import-held.png') });
  await page.getByTestId('import-review').screenshot({ path: screenshotPath('ui-import-review-card.png') });
  // Keep two (a clinician's call), exclude the rest as the wrong kind of image.
  const tiles = page.getByTestId('held-tile');
  for (let i = 2; i < 56; i++) await tiles.nth(i).locator('input').uncheck();
  await page.getByTestId('held-keep').click();
  await expect(page.getByTestId('held-count')).toHaveText('54');
  await page.getByTestId('held-exclude').click();
  await expect(page.getByTestId('held-count')).toHaveCount(0);
  await page.getByTestId('nav-gallery').click();
  await page.getByTestId('filter-excluded').click();
  // 54 fundus photographs, the dermoscopy image excluded in the gallery, the one from the queue.
  await expect(page.getByTestId('gallery-tile')).toHaveCount(56);
  await page.getByTestId('nav-import').click();
  await page.screenshot({ path: screenshotPath('ui-import-previews.png') });

  // ---- Labels the clinic already has, from HAM10000's labels.csv: the columns are guessed, the
  // preview says what will happen, and imported labels do not count as this cycle's work.
  await page.getByTestId('label-csv-file').setInputFiles(join(datasetImages('ham10000-dermoscopy'), 'labels.csv'));
  await expect(page.getByTestId('csv-image-column').locator('option:checked')).toHaveText('image_id');
  await expect(page.getByTestId('csv-class-column').locator('option:checked')).toHaveText('dx');
  // 42 rows name 43 images (ISIC_0024311 twice): 12 labeled already with the same class, 2 excluded, 29 to write.
  await expect(page.getByTestId('csv-new')).toHaveText('29');
  await expect(page.getByTestId('csv-unchanged')).toHaveText('12');
  await expect(page.getByTestId('csv-conflicts')).toHaveText('0');
  await expect(page.getByTestId('csv-excluded')).toHaveText('2');
  await expect(page.getByTestId('csv-unmatched')).toHaveText('0');
  await page.getByTestId('label-csv').scrollIntoViewIfNeeded();
  await page.getByTestId('label-csv').screenshot({ path: screenshotPath('ui-import-labels-csv.png') });
  await page.getByTestId('csv-import').click();
  await expect(page.getByTestId('label-csv')).toContainText('29 labels imported from labels.csv');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('balance-total')).toContainText('41 labeled');
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('queue-progress')).toContainText('0 / 12 labeled');

  // ---- Train on the 41 labels: a fifth of each class (one image each here) is kept aside, and
  // the dashboard measures the model on those 7 only, with intervals and a warning that 7 is few.
  await page.getByTestId('finish-cycle').first().click();
  await expect(page.getByTestId('cycle-control').first()).toContainText('Cycle 2', { timeout: 300_000 });
  await expect(page.getByTestId('queue-progress')).toContainText('0 / 12 labeled', { timeout: 300_000 });
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('metrics-n')).toHaveText('Measured on 7 held-out images this model never trained on.');
  await expect(page.getByTestId('metrics-trained')).toHaveText('Trained on 34 of your 41 labels (7 kept aside to check it).');
  await expect(page.getByTestId('latest-bacc-interval')).toContainText('95% CI');
  await expect(page.getByTestId('metrics-warning')).toContainText('Only 7 held-out images');
  await expect(page.getByTestId('class-recall-table').locator('tbody tr')).toHaveCount(7);
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.getByTestId('metrics-warning').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath(`ui-dashboard-held-out-${width}.png`) });
  }
  await page.getByTestId('class-recall-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('ui-dashboard-held-out-table-1920.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
});

/** The image as painted (object-fit: contain) lies inside the stage, and fills one of its sides. */
async function paintedInsideStage(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="queue-image"] img');
    const stage = document.querySelector('[data-testid="queue-image"]');
    if (!img || !stage || !img.naturalWidth) return false;
    const s = stage.getBoundingClientRect();
    const e = img.getBoundingClientRect();
    const k = Math.min(e.width / img.naturalWidth, e.height / img.naturalHeight);
    const w = img.naturalWidth * k;
    const h = img.naturalHeight * k;
    const left = e.left + (e.width - w) / 2;
    const top = e.top + (e.height - h) / 2;
    const inside = left >= s.left - 0.5 && top >= s.top - 0.5 && left + w <= s.right + 0.5 && top + h <= s.bottom + 0.5;
    const fills = Math.abs(w - s.width) < 1 || Math.abs(h - s.height) < 1;
    return inside && fills;
  });
}

