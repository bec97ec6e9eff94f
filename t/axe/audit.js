// The accessibility audit (issue 17): each URL given loaded in Debian's
// Chromium (puppeteer-core drives it; $ONESTOP_CHROMIUM or
// /usr/bin/chromium), axe-core run on the page after its scripts with the
// WCAG 2.0/2.1 A and AA rules, and one JSON line a URL on stdout:
// {"url", "status", "violations": [{"id", "impact", "help", "nodes":
// [target...]}]}.  Run from build/axe (node_modules there): t/axe.t.
'use strict';

const path = require('path');
const puppeteer = require('puppeteer-core');
const axePath = require.resolve('axe-core/axe.min.js');

(async () => {
    const browser = await puppeteer.launch({
        executablePath: process.env.ONESTOP_CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
               '--lang=vi', '--no-first-run'],
    });
    try {
        for (const url of process.argv.slice(2)) {
            const page = await browser.newPage();
            await page.setBypassCSP(true);
            await page.setViewport({ width: 1280, height: 900 });
            const res = await page.goto(url, { waitUntil: 'networkidle0',
                                               timeout: 30000 });
            await page.addScriptTag({ path: axePath });
            const out = await page.evaluate(async () => {
                const r = await window.axe.run(document, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa',
                        'wcag21a', 'wcag21aa', 'best-practice'] },
                    resultTypes: ['violations'],
                });
                return r.violations.map(v => ({ id: v.id, impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map(n => ({ target: n.target,
                        summary: n.failureSummary })) }));
            });
            process.stdout.write(JSON.stringify({ url,
                status: res ? res.status() : 0, violations: out }) + '\n');
            await page.close();
        }
    } finally {
        await browser.close();
    }
})().catch(e => { console.error(String(e && e.stack || e)); process.exit(2); });
