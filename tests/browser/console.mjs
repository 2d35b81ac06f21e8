// Browser tests of the supervisor console: Debian's Chromium driven by playwright-core against
// a real `veldwerk-server --demo` (started by scripts/browser-tests.sh). A test device enrolls
// and signs its requests with Ed25519 exactly as contract/src/auth.rs describes.
//
// A second device is the field client itself: the `veldwerk` CLI enrolls with a code issued on
// the Koppelcodes page, syncs, learns the switch to rood and is refused once revoked.
//
// Environment: VELDWERK_URL (http://127.0.0.1:PORT), VELDWERK_USER, VELDWERK_PASSWORD,
// VELDWERK_CLI (the `veldwerk` binary), SCREENSHOTS (directory). Prints one line per test and
// closes with `N passed, N failed`.

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.VELDWERK_URL;
const USER = process.env.VELDWERK_USER || 'supervisor';
const PASSWORD = process.env.VELDWERK_PASSWORD;
const SHOTS = process.env.SCREENSHOTS || 'artifacts/screenshots';
const CLI = process.env.VELDWERK_CLI;
const SERVER_BIN = process.env.VELDWERK_SERVER_BIN;
const DATA_DIR = process.env.VELDWERK_DATA_DIR;
if (!BASE || !PASSWORD || !CLI) {
  console.error('VELDWERK_URL, VELDWERK_PASSWORD and VELDWERK_CLI are required');
  process.exit(2);
}
fs.mkdirSync(SHOTS, { recursive: true });

// ---------------------------------------------------------------------------------------------
// A device: Ed25519 key, enrollment, signed requests (veldwerk-request-v1).

const sha256hex = (b) => crypto.createHash('sha256').update(b).digest('hex');

function newDevice() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicHex: spki.subarray(spki.length - 32).toString('hex'), id: null };
}

async function enroll(device, code) {
  const r = await fetch(`${BASE}/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, public_key: device.publicHex }),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`enroll: ${r.status} ${JSON.stringify(body)}`);
  device.id = body.device_id;
  device.orgKey = body.org_public_key;
  return body;
}

/// The seven-line canonical string of core::auth::canonical_string, signed with the device key.
async function signedGet(device, pathAndQuery) {
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const nonce = crypto.randomBytes(16).toString('hex');
  const text = ['veldwerk-request-v1', 'GET', pathAndQuery, device.id, timestamp, nonce, sha256hex(Buffer.alloc(0))].join('\n');
  const signature = crypto.sign(null, Buffer.from(text), device.privateKey).toString('hex');
  const r = await fetch(`${BASE}${pathAndQuery}`, {
    headers: {
      'x-veldwerk-device': device.id,
      'x-veldwerk-timestamp': timestamp,
      'x-veldwerk-nonce': nonce,
      'x-veldwerk-signature': signature,
    },
  });
  return { status: r.status, body: await r.json() };
}

/// Verifies the signed policy bundle against the organisation key pinned at enrollment and
/// returns the active code (the newest directive).
function activeCode(device, policy) {
  const key = crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(device.orgKey, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  const signed = Buffer.concat([Buffer.from('veldwerk-policy-v1\n'), Buffer.from(policy.payload)]);
  if (!crypto.verify(null, signed, key, Buffer.from(policy.signature, 'hex'))) {
    throw new Error('policy signature does not verify');
  }
  const bundle = JSON.parse(policy.payload);
  const now = Date.now();
  const active = bundle.directives.filter((d) => Date.parse(d.effective_from) <= now).pop();
  return active && active.code;
}

// ---------------------------------------------------------------------------------------------
// The field client: the `veldwerk` CLI on its own data directory.

const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veldwerk-cli-'));

/// Runs `veldwerk --data-dir DIR ARGS --json`; returns the exit status and the JSON on stdout.
function cli(...args) {
  return cliAt(cliDir, ...args);
}

/// As `cli`, for the field device whose store is in `dir`.
function cliAt(dir, ...args) {
  const r = spawnSync(CLI, ['--data-dir', dir, ...args, '--json'], {
    env: { ...process.env, VELDWERK_PASSPHRASE: 'browsertest paard batterij' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`veldwerk ${args.join(' ')}: no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, json, stderr: r.stderr };
}

/// Issues a one-time enrollment code for `handhaver` on the Koppelcodes page.
async function issueCode(handhaver) {
  await page.goto(`${BASE}/koppelcodes`);
  await page.getByLabel('Handhaver').selectOption(handhaver);
  const r = await submit('form[action="/koppelcodes"] button[type=submit]');
  expect(r.status() === 200, 'issued');
  const code = (await page.locator('#koppelcode').innerText()).trim();
  expect(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code), `a code, got ${code}`);
  return code;
}

const spreekkamer = () => cli('rules', 'check', '--action', 'spreekkamer', '--coronaproof', 'ja');
const hasCode = (notices, code) => Array.isArray(notices) && notices.some((n) => n.code === code);

// ---------------------------------------------------------------------------------------------
// The runner.

const results = [];
let page;

async function test(name, fn) {
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   - ${name}`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL - ${name}\n       ${String(e && e.stack || e).split('\n').join('\n       ')}`);
    if (page) await page.screenshot({ path: path.join(SHOTS, `fail-${results.length}.png`), fullPage: true }).catch(() => {});
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/// Submits by clicking `selector` and returns the final main-frame response (after redirects).
async function submit(selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

async function text() {
  return page.locator('body').innerText();
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'veldwerk-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1024, height: 768 }, // a tablet in landscape
  locale: 'nl-NL',
});
page = context.pages()[0] || (await context.newPage());
const device = newDevice();
const REASON = 'Lockdown per besluit van de veiligheidsregio (browsertest)';

await test('the sign-in page is Dutch, labelled and usable without a session', async () => {
  const r = await page.goto(`${BASE}/`);
  expect(r.ok() && page.url().endsWith('/aanmelden'), 'redirect to /aanmelden');
  expect((await page.getAttribute('html', 'lang')) === 'nl', 'lang="nl"');
  expect(await page.getByLabel('Gebruikersnaam').isVisible(), 'labelled name field');
  expect(await page.getByLabel('Wachtwoord').isVisible(), 'labelled password field');
  await shot('01-aanmelden');
});

await test('a wrong password is refused', async () => {
  await page.goto(`${BASE}/aanmelden`);
  await page.getByLabel('Gebruikersnaam').fill(USER);
  await page.getByLabel('Wachtwoord').fill('dit-is-fout');
  const r = await submit('button[type=submit]');
  expect(r.status() === 401, `status 401, got ${r.status()}`);
  const t = await text();
  expect(t.includes('Gebruikersnaam of wachtwoord klopt niet.') && t.includes('credentials_invalid'), 'refusal shown');
  await shot('02-aanmelden-fout-wachtwoord');
});

await test('a sign-in form without CSRF token is refused', async () => {
  await page.goto(`${BASE}/aanmelden`);
  await page.locator('input[name=csrf_token]').evaluate((el) => el.remove());
  await page.getByLabel('Gebruikersnaam').fill(USER);
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  const r = await submit('button[type=submit]');
  expect(r.status() === 403, `status 403, got ${r.status()}`);
  expect((await text()).includes('csrf_token_invalid'), 'csrf refusal shown');
  await shot('03-aanmelden-zonder-csrf');
});

await test('a supervisor signs in and sees the active code and the routekaart', async () => {
  await page.goto(`${BASE}/aanmelden`);
  await page.getByLabel('Gebruikersnaam').fill(USER);
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  const r = await submit('button[type=submit]');
  expect(r.status() === 200 && new URL(page.url()).pathname === '/', 'on the overview');
  const t = await text();
  expect(t.includes('Actieve code') && t.includes('Code geel (waakzaam)'), 'code geel shown');
  expect(t.includes('Spreekkamergesprek'), 'routekaart table shown');
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === 'veldwerk_session');
  expect(session && session.httpOnly && session.sameSite === 'Strict', 'HttpOnly SameSite=Strict cookie');
  await shot('04-code');
});

await test('a console form without CSRF token is refused', async () => {
  await page.goto(`${BASE}/`);
  await page.locator('form[action="/code/bevestigen"] input[name=csrf_token]').evaluate((el) => el.remove());
  await page.getByLabel('Code rood (zeer ernstig / lockdown)').check();
  await page.getByLabel(/^Reden/).fill('zonder token');
  const r = await submit('form[action="/code/bevestigen"] button[type=submit]');
  expect(r.status() === 403, `status 403, got ${r.status()}`);
  expect((await text()).includes('csrf_token_invalid'), 'csrf refusal shown');
  await shot('05-formulier-zonder-csrf');
});

await test('an enrollment code is issued once and a device enrolls with it', async () => {
  await page.goto(`${BASE}/koppelcodes`);
  await shot('06-koppelcodes');
  const code = await issueCode('handhaver1');
  await shot('07-koppelcode-getoond');
  await enroll(device, code);
  const p = await signedGet(device, '/v1/policy');
  expect(p.status === 200 && activeCode(device, p.body.policy) === 'geel', 'device sees geel');
  await page.goto(`${BASE}/koppelcodes`);
  expect((await page.locator('#koppelcode').count()) === 0, 'the code is not shown again');
});

let cliDevice = null;
await test('the veldwerk CLI enrolls with a console code, syncs its zaken and may use the spreekkamer under geel', async () => {
  const code = await issueCode('handhaver2');
  const enrolled = cli('enroll', '--server', BASE, '--code', code);
  expect(enrolled.status === 0 && enrolled.json.user === 'handhaver2', `enrolled: ${JSON.stringify(enrolled.json)}`);
  cliDevice = enrolled.json.device_id;
  const synced = cli('sync');
  expect(synced.status === 0 && synced.json.code === 'geel', `synced: ${JSON.stringify(synced.json)}`);
  expect(synced.json.new_zaken.length > 0, 'the demo zaken of handhaver2 arrived');
  const check = spreekkamer();
  expect(check.status === 0 && check.json.decision === 'allowed', `spreekkamer under geel: ${JSON.stringify(check.json)}`);
});

await test('switching to rood asks for a reason, shows what changes and needs confirmation', async () => {
  await page.goto(`${BASE}/`);
  await page.getByLabel('Code rood (zeer ernstig / lockdown)').check();
  await page.getByLabel(/^Reden/).fill(REASON);
  let r = await submit('form[action="/code/bevestigen"] button[type=submit]');
  expect(r.status() === 200, 'confirmation page');
  const t = await text();
  expect(t.includes('Wordt verboden') && t.includes('Spreekkamergesprek'), 'spreekkamer becomes forbidden');
  await shot('08-code-wisselen-bevestigen');
  r = await submit('form[action="/code"] button[type=submit]');
  expect(r.status() === 200 && new URL(page.url()).pathname === '/', 'back on the overview');
  const after = await text();
  expect(after.includes('De code is gewisseld.') && after.includes('Code rood (zeer ernstig / lockdown)'), 'rood active');
  expect(after.includes(REASON), 'reason shown');
  await shot('09-code-rood');
});

await test('the history shows the switch to rood and an intact audit chain', async () => {
  await page.goto(`${BASE}/geschiedenis`);
  const t = await text();
  expect(t.includes('Auditlog intact.'), 'chain check shown intact');
  const row = page.locator('section[aria-labelledby=wissels] tbody tr', { hasText: REASON });
  expect((await row.count()) === 1 && (await row.innerText()).includes('rood'), 'switch row');
  await shot('10-geschiedenis');
});

await test('the device sees code rood at its next policy fetch', async () => {
  const p = await signedGet(device, '/v1/policy');
  expect(p.status === 200, `status 200, got ${p.status}`);
  expect(activeCode(device, p.body.policy) === 'rood', 'device reports rood');
});

await test('the veldwerk CLI syncs afterwards, reports code rood and is refused the spreekkamer', async () => {
  const synced = cli('sync');
  expect(synced.status === 0 && synced.json.code === 'rood' && synced.json.policy_updated, `synced: ${JSON.stringify(synced.json)}`);
  const status = cli('status');
  expect(status.status === 0 && status.json.policy.code === 'rood' && !status.json.policy.stale, `status: ${JSON.stringify(status.json)}`);
  const check = spreekkamer();
  expect(check.status === 3 && check.json.decision === 'forbidden', `spreekkamer under rood: ${JSON.stringify(check.json)}`);
  expect(hasCode(check.json.reasons, 'face_to_face_not_possible'), 'the reason is given');
});

await test('a device is revoked after confirmation and its next request is refused', async () => {
  await page.goto(`${BASE}/apparaten`);
  const row = page.locator(`#apparaat-${device.id}`);
  expect((await row.innerText()).includes('handhaver1'), 'device listed with its handhaver');
  await shot('11-apparaten');
  await Promise.all([page.waitForNavigation(), row.getByRole('link', { name: /Intrekken/ }).click()]);
  expect((await text()).includes('Weet u zeker'), 'confirmation asked');
  await shot('12-apparaat-intrekken-bevestigen');
  const r = await submit('form button.danger');
  expect(r.status() === 200 && (await text()).includes('Het apparaat is ingetrokken.'), 'revoked');
  expect((await page.locator(`#apparaat-${device.id}`).innerText()).includes('Ingetrokken'), 'row shows it');
  await shot('13-apparaat-ingetrokken');
  const p = await signedGet(device, '/v1/policy');
  expect(p.status === 403 && p.body.code === 'device_revoked' && p.body.instruction === 'wipe', `refused, got ${p.status}`);
});

await test('the revoked veldwerk CLI is refused at its next sync and wipes its store', async () => {
  expect(cliDevice, 'the CLI enrolled');
  await page.goto(`${BASE}/apparaten`);
  const row = page.locator(`#apparaat-${cliDevice}`);
  expect((await row.innerText()).includes('handhaver2'), 'the CLI device is listed');
  await Promise.all([page.waitForNavigation(), row.getByRole('link', { name: /Intrekken/ }).click()]);
  const r = await submit('form button.danger');
  expect(r.status() === 200 && (await text()).includes('Het apparaat is ingetrokken.'), 'revoked');
  const synced = cli('sync');
  expect(synced.status !== 0 && synced.json.error && synced.json.error.code === 'device_revoked', `refused: ${JSON.stringify(synced.json)}`);
  expect(fs.readdirSync(cliDir).length === 0, 'the data directory is empty');
});

await test('the other pages render for a supervisor', async () => {
  for (const [p, name, heading] of [
    ['/signaleringen', '14-signaleringen', 'Signaleringen'],
    ['/zaken', '15-zaken', 'Zaken'],
    ['/zaken/nieuw', '16-nieuwe-melding', 'Nieuwe melding handhaving'],
  ]) {
    const r = await page.goto(`${BASE}${p}`);
    expect(r.status() === 200, `${p}: 200`);
    expect((await page.locator('h1').innerText()) === heading, `${p}: heading`);
    await shot(name);
  }
  expect((await text()).includes('16 Key2handhaven'), 'seed 000 fields');
});

// ---------------------------------------------------------------------------------------------
// Issue 14: a field device records a whole visit, the back office reads it back.

const fieldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veldwerk-field-'));
const field = (...args) => cliAt(fieldDir, ...args);
const fieldOk = (...args) => {
  const r = field(...args);
  if (r.status !== 0) throw new Error(`veldwerk ${args.join(' ')}: status ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json;
};
let recorded = null;

await test('a field device records a whole digital visit and syncs it; the zaak page shows every entry verified', async () => {
  const code = await issueCode('handhaver1');
  fieldOk('enroll', '--server', BASE, '--code', code);
  fieldOk('sync');
  const zaken = fieldOk('zaken').zaken;
  const zaak = zaken[0].zaak_id;
  const all = '--bevestig-alles';
  // Code rood is active: only the digital visit, by one handhaver (seed 004).
  const visit = fieldOk('bezoek', 'start', '--zaak', zaak, '--actie', 'huisbezoek_app', '--handhavers', '1').visit_id;
  fieldOk('aanleiding', '--zaak', zaak, '--grondslag', 'concrete_aanwijzing',
    '--feit', 'register:Twee auto\'s van een ander staan sinds maart op het adres.', '--bron', 'RDW',
    '--waarom-niet-minder-ingrijpend', 'De registers tonen niet wie er woont.', all);
  fieldOk('aankondiging', '--zaak', zaak, '--wijze', 'aangekondigd', all);
  fieldOk('deur', '--zaak', zaak, '--bezoek', visit, '--handhaver', 'handhaver1', '--leider', 'handhaver1', all);
  fieldOk('legitimatie', '--zaak', zaak, '--doel', 'Vaststellen van de woonsituatie.', all);
  fieldOk('toestemming', 'vraag', '--zaak', zaak, '--aanleiding', 'Twee auto\'s van een ander staan sinds maart op het adres.', all);
  fieldOk('toestemming', 'gegeven', '--zaak', zaak, '--door', 'bewoner', '--rol', 'bewoner', '--leeftijd', 'volwassen', all);
  fieldOk('binnentreden', '--zaak', zaak, all);
  const w1 = fieldOk('waarneming', '--zaak', zaak, '--ruimte', 'badkamer', '--tekst', 'Op de wastafel staan twee tandenborstels.', all);
  fieldOk('waarneming', '--zaak', zaak, '--ruimte', 'slaapkamer', '--tekst', 'In de kast hangt herenkleding in twee maten.', all);
  fieldOk('correctie', '--zaak', zaak, '--entry', w1.entry.entry_id, '--tekst', 'Lees: drie tandenborstels.');
  fieldOk('afsluiting', '--zaak', zaak, all);
  fieldOk('rapport', '--zaak', zaak, '--tekst', 'De client liet via de app de badkamer en de slaapkamer zien.', '--ondertekenaar', 'handhaver1:ambtseed');
  const synced = fieldOk('sync');
  expect(synced.unsynced_entries === 0 || synced.unsynced_entries === undefined, `all synced: ${JSON.stringify(synced)}`);
  const detail = fieldOk('zaak', 'show', zaak);
  const entries = detail.visits[0].entries;
  recorded = { zaak, visit, entries };

  await page.goto(`${BASE}/zaken`);
  await submit(`a[href="/zaken/${zaak}"]`);
  expect(new URL(page.url()).pathname === `/zaken/${zaak}`, 'the zaak page from the list');
  const t = await text();
  const cards = page.locator('li.entry');
  expect((await cards.count()) === entries.length, `${entries.length} entries shown, got ${await cards.count()}`);
  expect((await page.locator('li.entry .tag[data-status=ok]').count()) === entries.length, 'every entry verified');
  const asked = entries.find((e) => e.event && e.event.soort === 'toestemming_gevraagd').event;
  expect(t.includes(asked.tekst.slice(0, 80)) && t.includes(asked.tekst_hash), 'consent text and hash');
  expect(t.includes('Op de wastafel staan twee tandenborstels.') && t.includes('Gecorrigeerd door'), 'waarneming and its correctie');
  expect(t.includes('De client liet via de app de badkamer en de slaapkamer zien.') && t.includes('handhaver1 (onder ambtseed)'), 'rapport and signer');
  expect(!/\btoestemming_gevraagd\b|\bhuisbezoek_app\b/.test(t), 'no snake_case names on the page');
  await shot('17-zaak');
});

await test('the rapport PDF downloads, verifies, and fails after one byte of its evidence or its pages changes', async () => {
  expect(recorded, 'a visit was recorded');
  const { zaak, visit } = recorded;
  await page.goto(`${BASE}/zaken/${zaak}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`a[href="/zaken/${zaak}/bezoeken/${visit}/rapport.pdf"]`),
  ]);
  const pdfPath = path.join(fieldDir, 'rapport.pdf');
  await download.saveAs(pdfPath);
  const pdf = fs.readFileSync(pdfPath);
  expect(pdf.subarray(0, 5).toString() === '%PDF-', 'a PDF');
  const verify = (file) => spawnSync(SERVER_BIN, ['--data-dir', DATA_DIR, 'rapport', 'verify', file], { encoding: 'utf8', timeout: 60_000 });
  const good = verify(pdfPath);
  expect(good.status === 0, `verify passes: ${good.stdout}${good.stderr}`);
  // One byte inside the embedded evidence, and one inside another stream (a page or its font).
  const latin = pdf.toString('latin1');
  const streams = [...latin.matchAll(/stream\r?\n/g)].map((m) => m.index + m[0].length);
  const embedded = latin.search(/\/Type\s*\/EmbeddedFile/);
  expect(embedded >= 0, 'an embedded file');
  const inEvidence = streams.find((at) => at > embedded);
  const other = streams.find((at) => at !== inEvidence);
  for (const [what, at] of [['evidence', inEvidence], ['pages', other]]) {
    const bad = Buffer.from(pdf);
    bad[at + 10] ^= 0x01;
    const file = path.join(fieldDir, `rapport-${what}.pdf`);
    fs.writeFileSync(file, bad);
    const r = verify(file);
    expect(r.status === 1, `verify fails after a changed byte in the ${what}: status ${r.status} ${r.stdout}${r.stderr}`);
  }
  const text = spawnSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  expect(text.status === 0, `pdftotext reads it: ${text.stderr}`);
  const printed = text.stdout.replace(/\s+/g, ' ');
  for (const e of recorded.entries) {
    if (e.event && e.event.soort === 'waarneming') expect(printed.includes(e.event.tekst), `printed: ${e.event.tekst}`);
  }
  const asked = recorded.entries.find((e) => e.event && e.event.soort === 'toestemming_gevraagd').event;
  // A long text may run over a page break: read it in reading order, without the running footers.
  const flow = spawnSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' }).stdout
    .replace(/\s+/g, ' ')
    .replace(/Rapport van bevindingen · zaak \S+ Pagina \d+ van \d+ /g, '');
  expect(flow.includes(asked.tekst.replace(/\s+/g, ' ')), 'printed: the consent text verbatim');
  expect(printed.includes('handhaver1'), 'printed: the signer');
  const png = spawnSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdfPath, path.join(SHOTS, '18-rapport-pagina-1')]);
  expect(png.status === 0, 'page 1 as PNG');
});

await test('the export ZIP holds what its manifest says', async () => {
  expect(recorded, 'a visit was recorded');
  const r = await page.request.get(`${BASE}/v1/zaken/${recorded.zaak}/export`);
  expect(r.status() === 200 && r.headers()['content-type'] === 'application/zip', `a ZIP, got ${r.status()}`);
  const zipPath = path.join(fieldDir, 'export.zip');
  fs.writeFileSync(zipPath, await r.body());
  const check = spawnSync('python3', ['-c', `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
m = json.loads(z.read("manifest.json"))
names = set(z.namelist()) - {"manifest.json"}
listed = {f["naam"] for f in m["bestanden"]}
assert names == listed, (names, listed)
for f in m["bestanden"]:
    data = z.read(f["naam"])
    assert hashlib.sha256(data).hexdigest() == f["sha256"], f["naam"]
    assert len(data) == f["bytes"], f["naam"]
assert any(n.endswith("rapport.pdf") for n in names), names
print(len(names))
`, zipPath], { encoding: 'utf8' });
  expect(check.status === 0, `manifest matches: ${check.stdout}${check.stderr}`);
});

await test('keyboard: the skip link is the first stop and leads to the content', async () => {
  await page.goto(`${BASE}/zaken`);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
  expect(focused === 'Naar de inhoud', `skip link focused, got ${focused}`);
});

await test('signing out ends the session', async () => {
  await page.goto(`${BASE}/`);
  await submit('form.signout button');
  expect(new URL(page.url()).pathname === '/aanmelden' && (await text()).includes('U bent afgemeld.'), 'signed out');
  await page.goto(`${BASE}/apparaten`);
  expect(new URL(page.url()).pathname === '/aanmelden', 'no access after sign-out');
});

// ---------------------------------------------------------------------------------------------
// The console for daily use (issue 14, item 6): Dutch words, Amsterdam times, plurals, the
// whole enroll command, user management for admins only. The demo has no admin, so the admin's
// own forms are tested over HTTP in server/tests/users.rs.

/// Today's date in Amsterdam as the console writes it (`2-12-2026`).
const amsterdamToday = () => {
  const parts = new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'numeric', year: 'numeric' })
    .formatToParts(new Date());
  const get = (t) => parts.find((x) => x.type === t).value;
  return `${get('day')}-${get('month')}-${get('year')}`;
};

await test('signed in again, the history reads as Dutch words in Amsterdam time', async () => {
  await page.goto(`${BASE}/aanmelden`);
  await page.getByLabel('Gebruikersnaam').fill(USER);
  await page.getByLabel('Wachtwoord').fill(PASSWORD);
  await submit('button[type=submit]');
  await page.goto(`${BASE}/geschiedenis`);
  const t = await text();
  expect(t.includes('Gewisseld naar Code rood (zeer ernstig / lockdown)'), 'the switch in words');
  expect(t.includes('Koppelcode gemaakt voor handhaver1'), 'the enrollment code in words');
  expect(/Apparaat \S+ ingetrokken/.test(t), 'the revocation in words');
  expect(!t.includes('{"') && !t.includes('UTC'), 'no raw JSON, no UTC times');
  expect(t.includes(amsterdamToday()), `today (${amsterdamToday()}) in Amsterdam time`);
  // Outside the small code details, no snake_case word is left in the events table.
  const words = await page.locator('section[aria-labelledby=recent] table').evaluate((table) => {
    const copy = table.cloneNode(true);
    copy.querySelectorAll('.code').forEach((el) => el.remove());
    return copy.innerText;
  });
  const raw = words.match(/\b[a-z]+_[a-z_]+\b/g);
  expect(!raw, `no raw codes in the events, got ${raw}`);
  await shot('20-geschiedenis-in-woorden');
});

await test('the Koppelcodes page prints the whole enroll command, and it works as printed', async () => {
  const code = await issueCode('handhaver2');
  const command = (await page.locator('#koppelcommando').innerText()).trim();
  const expected = `veldwerk --data-dir ./apparaat enroll --server ${BASE} --code ${code}`;
  expect(command === expected, `command ${command}`);
  await shot('21-koppelcommando');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veldwerk-apparaat-'));
  const args = command.split(' ').slice(1).map((a) => (a === './apparaat' ? dir : a));
  const r = spawnSync(CLI, [...args, '--json'], {
    env: { ...process.env, VELDWERK_PASSPHRASE: 'browsertest paard batterij' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(r.status === 0, `the printed command enrolls: ${r.stdout} ${r.stderr}`);
});

await test('counts take the Dutch plural and codes stay small details', async () => {
  await page.goto(`${BASE}/apparaten`);
  const t = await text();
  const line = t.split('\n').find((l) => l.includes('ingetrokken')) || '';
  const m = /(\d+) (actief apparaat|actieve apparaten), (\d+) ingetrokken/.exec(line);
  expect(m && (m[1] === '1') === (m[2] === 'actief apparaat'), `the active devices counted in Dutch, got ${line}`);
  await page.goto(`${BASE}/`);
  const home = await text();
  expect(!/\[[a-z_]+\]/.test(home), 'no [code] in brackets on the overview');
});

await test('user management is for admins only: a supervisor is refused in Dutch', async () => {
  await page.goto(`${BASE}/`);
  expect((await page.locator('nav a[href="/gebruikers"]').count()) === 0, 'no Gebruikers link for a supervisor');
  const r = await page.goto(`${BASE}/gebruikers`);
  expect(r.status() === 403, `403, got ${r.status()}`);
  const t = await text();
  expect(t.includes('Alleen een beheerder kan gebruikers beheren.') && t.includes('forbidden_role'), 'refusal in Dutch with its code');
  await shot('22-gebruikers-alleen-beheerder');
});

// Issue 17: from a tip on the public form to a zaak on the handhaver's device, on time.
/// Today's date in Amsterdam as ISO (`2026-12-02`): a termijn ends on a Dutch calendar day.
const amsterdamIsoToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
const plusDays = (iso, n) => {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
const dutchDay = (iso) => iso.split('-').reverse().map((p, i) => (i < 2 ? String(Number(p)) : p)).join('-');

await test('a tip through /melden becomes a signal with its deadline, a melding and a zaak that reaches the device with its termijn; overdue items are marked', async () => {
  // The public form needs no sign-in (seed 002 §6) and is usable on a phone.
  const anonymous = await fetch(`${BASE}/melden`, { redirect: 'manual' });
  expect(anonymous.status === 200, `the form without a session, got ${anonymous.status}`);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'nl-NL' });
    await phone.goto(`${BASE}/melden`);
    expect((await phone.locator('nav').count()) === 0, 'no console navigation for the public');
    await phone.getByLabel('Wat heeft u gezien of gehoord? (verplicht)').fill('Sinds september woont er een tweede volwassene op Dorpsstraat 3 (browsertest).');
    await phone.getByLabel('Over wie of welk adres gaat het? (als u dat weet)').fill('Dorpsstraat 3');
    await phone.screenshot({ path: path.join(SHOTS, '23-melden-telefoon.png'), fullPage: true });
    await Promise.all([phone.waitForNavigation(), phone.click('button[type=submit]')]);
    const thanks = await phone.locator('body').innerText();
    expect(thanks.includes('Uw melding is ontvangen'), `thanked, got ${thanks}`);
    await phone.screenshot({ path: path.join(SHOTS, '24-melding-ontvangen.png'), fullPage: true });
  } finally {
    await browser.close();
  }

  // The tip is a signal to assess within two weeks (seed 001 bijlage 1, tip/informatie door derde).
  const today = amsterdamIsoToday();
  const due = plusDays(today, 14);
  await page.goto(`${BASE}/signalen`);
  const row = page.locator('table.signalen tr', { hasText: 'Tip/informatie door derde' }).last();
  expect((await row.count()) === 1, 'the tip is listed');
  const rowText = await row.innerText();
  expect(rowText.includes(dutchDay(due)) && rowText.includes('anoniem'), `deadline ${dutchDay(due)} and anonymous, got ${rowText}`);
  await page.goto(`${BASE}/werkvoorraad`);
  expect((await text()).includes(due.split('-').reverse().join('-')), 'the tip on the worklist with its deadline');
  await page.goto(`${BASE}/signalen`);
  await Promise.all([page.waitForNavigation(), row.locator('a').click()]);
  const signalPath = new URL(page.url()).pathname;
  expect((await text()).includes('een anonieme melding alleen is geen concrete aanwijzing'), 'the anonymous tip is said to be no concrete aanwijzing alone');
  await shot('25-signaal');

  // Assessed into a melding handhaving: the zaak keeps the signal and takes its termijn.
  const melding = page.locator(`form[action="${signalPath}/melding"]`);
  await melding.getByLabel('Klantmanager (melding op eigen naam)').fill('J. de Vries');
  await melding.getByLabel('Motivatie').fill('Een tip van een derde noemt een tweede volwassene op het adres; de BRP noemt alleen de cliënt.');
  await melding.getByLabel('Direct toewijzen aan (optioneel)').selectOption('handhaver1');
  const made = await submit(`form[action="${signalPath}/melding"] button[type=submit]`);
  expect(made.status() === 200, `melding made, got ${made.status()}`);
  const zaakId = (await page.locator('div.notice.ok code').innerText()).trim();
  await submit('a:text("Naar de zaak")');
  const zaakPage = await text();
  expect(zaakPage.includes(dutchDay(due)), `the zaak's deadline ${dutchDay(due)}`);
  expect(zaakPage.includes('Signalen achter deze zaak') && zaakPage.includes('tweede volwassene op Dorpsstraat 3'), 'the zaak shows its signal');
  // CRvB 2-10-2007 (seed 001 Protocol §1): an anonymous tip alone is no concrete aanwijzing.
  expect(zaakPage.includes('rust alleen op anonieme meldingen') && zaakPage.includes('anonieme_tip_geen_concrete_aanwijzing'), 'the zaak warns it rests on an anonymous tip alone');
  await shot('26-zaak-uit-signaal');

  // The zaak reaches the device at its next sync, with its termijn.
  fieldOk('sync');
  const onDevice = fieldOk('zaken').zaken.find((z) => z.zaak_id === zaakId);
  expect(onDevice && onDevice.deadline === due && onDevice.te_laat === false, `on the device with ${due}: ${JSON.stringify(onDevice)}`);

  // A signal received long ago is overdue: marked on the signal, the worklist and the device.
  await page.goto(`${BASE}/signalen`);
  await page.getByLabel('Soort signaal').selectOption('beslag');
  await page.getByLabel('Ontvangen op').fill('2026-01-05');
  await page.getByLabel('Cliëntnummer (geen naam)').fill('K-4711');
  await submit('form[action="/signalen"] button[type=submit]');
  const late = await text();
  expect(late.includes('Het signaal is geregistreerd') && late.includes('Te laat'), 'the overdue signal is marked');
  const lateId = new URL(page.url()).pathname.split('/').pop();
  await page.goto(`${BASE}/werkvoorraad`);
  const lateRow = page.locator('tr.te-laat', { has: page.locator(`a[href="/signalen/${lateId}"]`) });
  expect((await lateRow.count()) === 1 && (await lateRow.innerText()).includes('Te laat'), 'overdue on the worklist');
  await shot('27-werkvoorraad-te-laat');
  await page.goto(`${BASE}/signalen/${lateId}`);
  const lateMelding = page.locator(`form[action="/signalen/${lateId}/melding"]`);
  await lateMelding.getByLabel('Begindatum').fill('2026-01-06');
  await lateMelding.getByLabel('Klantmanager (melding op eigen naam)').fill('J. de Vries');
  await lateMelding.getByLabel('Motivatie').fill('Beslag gelegd op de uitkering; de administratie meldt een tweede inkomen.');
  await lateMelding.getByLabel('Direct toewijzen aan (optioneel)').selectOption('handhaver1');
  await submit(`form[action="/signalen/${lateId}/melding"] button[type=submit]`);
  const lateZaak = (await page.locator('div.notice.ok code').innerText()).trim();
  fieldOk('sync');
  const lateOnDevice = fieldOk('zaken').zaken.find((z) => z.zaak_id === lateZaak);
  expect(lateOnDevice && lateOnDevice.deadline === '2026-01-19' && lateOnDevice.te_laat === true, `overdue on the device: ${JSON.stringify(lateOnDevice)}`);
});

await context.close();
fs.rmSync(profile, { recursive: true, force: true });
fs.rmSync(cliDir, { recursive: true, force: true });
fs.rmSync(fieldDir, { recursive: true, force: true });
const passed = results.filter(([, ok]) => ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
