/**
 * A screenshot of the web app after drawing a slanted digit, for README (docs/web.png).
 *   node --import tsx scripts/web-screenshot.ts [OUT.png] [--model NAME]
 * Needs the built page (npm run build:web) and /usr/bin/chromium.
 */
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { WEB_ROOT, servedModels } from '../src/cli/commands/serve.ts';
import { createWebServer } from '../src/web/server.ts';

const out = process.argv[2] ?? 'docs/web.png';
const modelArg = process.argv.indexOf('--model');
const server = createWebServer(WEB_ROOT, servedModels());
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 1000 } });
  page.on('console', (m) => m.type() === 'error' && console.error(m.text()));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const ready = () => page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('render')!.dataset.pending === '0', null, { timeout: 120_000 });
  await ready();
  if (modelArg > 0) {
    await page.selectOption('#model', process.argv[modelArg + 1]);
    await ready();
  }
  await page.click('#clear');
  const pad = (await page.locator('#pad').boundingBox())!;
  // A 7 with a slanted stem.
  const points = [[0.28, 0.25], [0.72, 0.22], [0.55, 0.55], [0.4, 0.85]].map(([x, y]) => [pad.x + x * pad.width, pad.y + y * pad.height]);
  await page.mouse.move(points[0][0], points[0][1]);
  await page.mouse.down();
  for (let k = 1; k < points.length; k++) await page.mouse.move(points[k][0], points[k][1], { steps: 12 });
  await page.mouse.up();
  await page.waitForTimeout(200);
  await ready();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
