import { chromium } from "playwright-core";
const [url, out, width, scheme] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const page = await browser.newPage({ viewport: { width: Number(width), height: 900 }, colorScheme: scheme || "light" });
await page.goto(url);
const sel = process.argv[6];
if (sel) { const el = await page.$(sel); await el.screenshot({ path: out }); }
else await page.screenshot({ path: out, fullPage: true });
await browser.close();
