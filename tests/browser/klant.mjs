// Browser tests of the client's page of the digital huisbezoek (issue 16 §2, §3): Debian's
// Chromium as a phone (390 × 844, touch) against a real `veldwerk-server --demo` (started by
// scripts/browser-tests.sh), with the `veldwerk` CLI as the handhaver's device. Under code rood
// the device starts a huisbezoek_app visit and a session; the client opens the link, enters the
// code, gives consent, answers every question (two photos), sees the handhaver's hint, signs
// with a finger and submits; the device takes everything over, syncs, and every entry verifies.
// Also: a refusal, a withdrawal halfway, an expired link, a second use of the link; the page
// loads in under a second on a throttled 3G profile and axe-core finds no serious issue.
//
// Environment: VELDWERK_URL, VELDWERK_CLI, VELDWERK_SERVER_BIN, VELDWERK_DATA_DIR, SCREENSHOTS.
// Prints one line per test and closes with `N passed, N failed`.

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.VELDWERK_URL;
const CLI = process.env.VELDWERK_CLI;
const SERVER_BIN = process.env.VELDWERK_SERVER_BIN;
const DATA_DIR = process.env.VELDWERK_DATA_DIR;
const SHOTS = process.env.SCREENSHOTS || 'artifacts/screenshots';
if (!BASE || !CLI || !SERVER_BIN || !DATA_DIR) {
  console.error('VELDWERK_URL, VELDWERK_CLI, VELDWERK_SERVER_BIN and VELDWERK_DATA_DIR are required');
  process.exit(2);
}
fs.mkdirSync(SHOTS, { recursive: true });
const HERE = path.dirname(fileURLToPath(import.meta.url));
const AXE = fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

// A throttled 3G profile (Lighthouse's "regular 3G": 300 ms round trip, 1.6 Mbit/s down,
// 750 kbit/s up).
const DRIE_G = { offline: false, latency: 300, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

// ---------------------------------------------------------------------------------------------
// The organisation's side: the admin commands on the server's data, the CLI as field device.

function admin(...args) {
  const r = spawnSync(SERVER_BIN, ['--data-dir', DATA_DIR, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`veldwerk-server ${args.join(' ')}: ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const deviceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veldwerk-klant-'));

function veldwerk(...args) {
  const r = spawnSync(CLI, ['--data-dir', deviceDir, ...args, '--json'], {
    env: { ...process.env, VELDWERK_PASSPHRASE: 'browsertest paard batterij' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`veldwerk ${args.join(' ')}: no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  if (r.status !== 0) throw new Error(`veldwerk ${args.join(' ')}: status ${r.status}: ${JSON.stringify(json)}\n${r.stderr}`);
  return json;
}

const LIJST = `
id = "woonsituatie_app"
versie = 1
titel = "Woonsituatie"
uitleg = "U laat met de camera van uw telefoon uw woning zien en beantwoordt een paar vragen. U kunt op elk moment stoppen."

[[vraag]]
id = "bewoners"
tekst = "Hoeveel mensen wonen er op dit adres, uzelf meegeteld?"
soort = "getal"
min = 1
max = 6

[[vraag]]
id = "post"
tekst = "Komt er post op dit adres voor iemand die hier niet woont?"
soort = "ja_nee"

[[vraag]]
id = "slaapkamer"
tekst = "Hoe gebruikt u de grootste slaapkamer?"
soort = "keuze"
opties = ["Ik slaap er zelf", "Er slaapt iemand anders", "Logeerkamer"]

[[vraag]]
id = "woonkamer"
tekst = "Laat de woonkamer zien."
soort = "foto"
min = 1
max = 2

[[vraag]]
id = "water"
tekst = "Wat is de stand van de watermeter? Maak ook een foto van de meter."
soort = "meterstand"
eenheid = "m³"

[[vraag]]
id = "toelichting"
tekst = "Wilt u nog iets laten zien of vertellen?"
soort = "tekst"
max_tekens = 500
verplicht = false
`;

let zaakNummer = 900;
/// A new zaak of handhaver1 on the device, with a huisbezoek_app at the door: consent asked with
/// the text for a digital tour (variant A, concrete aanwijzing).
function aanDeDeur() {
  zaakNummer += 1;
  const zaak = `Z-2026-0${zaakNummer}`;
  admin('zaak', 'create', '--id', zaak, '--werkproces', 'h2', '--klantmanager', 'J. de Vries',
    '--motivatie', 'Volgens de BRP woont de cliënt alleen; het waterverbruik is verdubbeld.',
    '--begindatum', '2026-11-20', '--label', `${zaakNummer} woonsituatie`);
  admin('zaak', 'assign', '--user', 'handhaver1', zaak);
  veldwerk('sync');
  const all = '--bevestig-alles';
  const visit = veldwerk('bezoek', 'start', '--zaak', zaak, '--actie', 'huisbezoek_app', '--handhavers', '1').visit_id;
  veldwerk('aanleiding', '--zaak', zaak, '--grondslag', 'concrete_aanwijzing',
    '--feit', 'register:Het waterverbruik is sinds augustus verdubbeld.', '--bron', 'BRP',
    '--waarom-niet-minder-ingrijpend', 'De registers tonen niet wie er woont.', all);
  veldwerk('aankondiging', '--zaak', zaak, '--wijze', 'aangekondigd', all);
  veldwerk('deur', '--zaak', zaak, '--bezoek', visit, '--handhaver', 'handhaver1', '--leider', 'handhaver1', all);
  veldwerk('legitimatie', '--zaak', zaak, '--doel', 'Vaststellen van de woonsituatie.', all);
  veldwerk('toestemming', 'vraag', '--zaak', zaak, '--aanleiding', 'Het waterverbruik is sinds augustus verdubbeld.', all);
  return { zaak, visit };
}

function sessie(zaak, ...extra) {
  return veldwerk('bezoek', 'app-sessie', 'start', '--zaak', zaak, '--klant', 'J. de Vries', ...extra);
}

// ---------------------------------------------------------------------------------------------
// The runner.

const results = [];
let phone;
const measured = {};

async function test(name, fn) {
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   - ${name}`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL - ${name}\n       ${String((e && e.stack) || e).split('\n').join('\n       ')}`);
    if (phone) await phone.screenshot({ path: path.join(SHOTS, `klant-fail-${results.length}.png`), fullPage: true }).catch(() => {});
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function shot(name) {
  await phone.screenshot({ path: path.join(SHOTS, `klant-${name}.png`), fullPage: true });
}

async function scherm(naam) {
  await phone.locator(`main#app[data-scherm="${naam}"]`).waitFor({ timeout: 15_000 });
}

/// axe-core on the screen as it is: no serious or critical issue (WCAG 2.1 AA rules).
const axeFindings = [];
async function toegankelijk(label) {
  await phone.evaluate(AXE);
  const violations = await phone.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeFindings.push([label, violations]);
  expect(serious.length === 0, `${label}: no serious accessibility issue, got ${JSON.stringify(serious)}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const telefoon = () => browser.newContext({
  viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'nl-NL', deviceScaleFactor: 2, acceptDownloads: true,
});

// Two test images, made by the browser itself: the woonkamer and the water meter.
const maker = await browser.newPage();
await maker.setContent('<div id="a" style="width:320px;height:240px;background:linear-gradient(#7a5,#357)"></div><div id="b" style="width:240px;height:240px;background:#ddd;font:40px sans-serif">01234,5</div>');
const fotoWoonkamer = await maker.locator('#a').screenshot();
const fotoMeter = await maker.locator('#b').screenshot();
await maker.close();

let eerste = null;

await test('setup: code rood, the organisation\'s vragenlijst, and the handhaver\'s device enrolled', async () => {
  admin('code', 'set', 'rood', '--reason', 'Besluit veiligheidsregio (browsertest klantpagina)', '--by', 'supervisor');
  const file = path.join(deviceDir, 'vragenlijst.toml');
  fs.writeFileSync(file, LIJST);
  admin('vragenlijst', 'set', file);
  const code = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(admin('enroll-code', '--user', 'handhaver1'));
  expect(code, 'an enrollment code');
  veldwerk('enroll', '--server', BASE, '--code', code[0]);
  const synced = veldwerk('sync');
  expect(synced.code === 'rood', `the device knows code rood: ${JSON.stringify(synced)}`);
});

await test('the page loads in under a second on throttled 3G, everything from this server', async () => {
  eerste = { ...aanDeDeur() };
  const s = sessie(eerste.zaak);
  expect(/^\d{6}$/.test(s.code) && s.link.startsWith(`${BASE}/k/`), `link and code: ${JSON.stringify(s)}`);
  Object.assign(eerste, s);
  const context = await telefoon();
  phone = await context.newPage();
  const hosts = new Set();
  phone.on('request', (r) => hosts.add(new URL(r.url()).host));
  const cdp = await context.newCDPSession(phone);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', DRIE_G);
  const t0 = Date.now();
  const r = await phone.goto(eerste.link, { waitUntil: 'load' });
  await scherm('code');
  const ms = Date.now() - t0;
  measured.load3g = ms;
  console.log(`       page ready on 3G in ${ms} ms (300 ms RTT, 1.6 Mbit/s)`);
  expect(r.status() === 200, `200, got ${r.status()}`);
  expect(ms < 1000, `under 1 s on 3G, took ${ms} ms`);
  expect([...hosts].every((h) => h === new URL(BASE).host), `nothing from elsewhere: ${[...hosts]}`);
  const csp = r.headers()['content-security-policy'];
  expect(/script-src 'sha256-[A-Za-z0-9+/=]+';/.test(csp) && !csp.includes('unsafe'), `a strict CSP: only the page's own script, by hash: ${csp}`);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await shot('01-code');
  await toegankelijk('code');
});

await test('a wrong code is refused, the right one accepted; consent given; every question answered with two photos; the hint shown; signed and submitted', async () => {
  expect(phone && eerste, 'the page is open');
  const fout = eerste.code === '000000' ? '111111' : '000000';
  await phone.fill('#code', fout);
  await phone.click('#verder');
  await phone.locator('#fout', { hasText: 'klopt niet' }).waitFor();
  await shot('02-code-onjuist');
  await phone.fill('#code', eerste.code);
  await phone.click('#verder');
  await scherm('toestemming');
  const tekst = await phone.locator('main').innerText();
  expect(tekst.includes('camera') && tekst.includes('zelf'), 'the consent text of a digital tour');
  await shot('03-toestemming');
  await toegankelijk('toestemming');
  await phone.click('#toestemming-ja');
  await scherm('uitleg');
  await shot('04-uitleg');
  await toegankelijk('uitleg');
  await phone.click('#beginnen');

  await scherm('vraag');
  await phone.fill('#antwoord', '2');
  await shot('05-vraag-getal');
  await toegankelijk('vraag getal');
  await phone.click('#volgende');
  await phone.locator('#vraag-tekst', { hasText: 'post' }).waitFor();
  await phone.click('#antwoord-nee');
  await shot('06-vraag-ja-nee');
  await phone.click('#volgende');
  await phone.locator('#vraag-tekst', { hasText: 'slaapkamer' }).waitFor();
  await phone.locator('input[name=keuze]').nth(1).check();
  await shot('07-vraag-keuze');
  await toegankelijk('vraag keuze');
  await phone.click('#volgende');

  await phone.locator('#vraag-tekst', { hasText: 'woonkamer' }).waitFor();
  await phone.setInputFiles('#foto', { name: 'woonkamer.png', mimeType: 'image/png', buffer: fotoWoonkamer });
  await phone.locator('ul.fotos img').first().waitFor();
  // Meekijken: the handhaver's device sees what arrived and sends a hint.
  const meegekeken = veldwerk('bezoek', 'app-sessie', 'volg', '--zaak', eerste.zaak, '--bevestig-alles');
  expect(meegekeken.status === 'gekoppeld' && meegekeken.overgenomen.length === 4, `consent and three answers taken over: ${JSON.stringify(meegekeken)}`);
  veldwerk('bezoek', 'app-sessie', 'hint', '--zaak', eerste.zaak, 'De foto is onscherp, wilt u hem opnieuw maken?');
  await phone.locator('#hints', { hasText: 'De foto is onscherp' }).waitFor({ timeout: 15_000 });
  await shot('08-foto-met-aanwijzing');
  await toegankelijk('foto met aanwijzing');
  await phone.click('#volgende');

  await phone.locator('#vraag-tekst', { hasText: 'watermeter' }).waitFor();
  await phone.fill('#meterstand', '01234,5');
  await phone.setInputFiles('#foto', { name: 'meter.png', mimeType: 'image/png', buffer: fotoMeter });
  await phone.locator('ul.fotos img').first().waitFor();
  await shot('09-vraag-meterstand');
  await phone.click('#volgende');
  await phone.locator('#vraag-tekst', { hasText: 'vertellen' }).waitFor();
  await phone.fill('#antwoord', 'De kleine slaapkamer is van mijn zoon als hij logeert.');
  await shot('10-vraag-tekst');
  await phone.click('#volgende');

  await scherm('overzicht');
  const overzicht = await phone.locator('main').innerText();
  expect(overzicht.includes('Meterstand 01234,5') && overzicht.includes('Er slaapt iemand anders'), `the answers reviewed: ${overzicht}`);
  await shot('11-overzicht');
  await toegankelijk('overzicht');
  await phone.click('#naar-ondertekenen');
  await scherm('ondertekenen');
  const vak = await phone.locator('#handtekening').boundingBox();
  await phone.mouse.move(vak.x + 20, vak.y + vak.height * 0.7);
  await phone.mouse.down();
  for (const [fx, fy] of [[0.2, 0.3], [0.35, 0.75], [0.5, 0.35], [0.65, 0.7], [0.85, 0.4]]) {
    await phone.mouse.move(vak.x + vak.width * fx, vak.y + vak.height * fy, { steps: 6 });
  }
  await phone.mouse.up();
  await shot('12-ondertekenen');
  await toegankelijk('ondertekenen');
  await phone.click('#ondertekenen');
  await scherm('klaar');
  await shot('13-klaar');
  await toegankelijk('klaar');
  const [download] = await Promise.all([phone.waitForEvent('download'), phone.click('#kopie')]);
  const kopie = fs.readFileSync(await download.path(), 'utf8');
  expect(kopie.includes('Meterstand 01234,5') && kopie.includes('<svg'), 'the client\'s copy holds the answers and the signature');
});

await test('the device takes every statement over, syncs, and every entry is verified; a second use of the link is refused', async () => {
  expect(eerste && eerste.code, 'the first session ran');
  const volg = veldwerk('bezoek', 'app-sessie', 'volg', '--zaak', eerste.zaak, '--tot-einde', '--seconden', '30', '--bevestig-alles');
  expect(volg.status === 'beeindigd' && volg.einde === 'vragenlijst_ondertekend', `ended by the signature: ${JSON.stringify(volg)}`);
  const soorten = volg.overgenomen.map((o) => o.soort);
  expect(soorten.includes('vragenlijst_ondertekend'), `the signature taken over: ${soorten}`);
  const synced = veldwerk('sync');
  expect(synced.rejections.length === 0, `accepted by the server: ${JSON.stringify(synced)}`);
  const zaak = veldwerk('zaak', 'show', eerste.zaak);
  const visit = zaak.visits.find((v) => v.meta.visit_id === eerste.visit);
  const entries = visit.entries;
  const vanKlant = entries.filter((e) => e.entry.body.includes('"klantverklaring"'));
  expect(vanKlant.length === 8, `consent, six answers and the signature carry the client's proof: ${vanKlant.length}`);
  expect(entries.every((e) => e.status === 'ok'), `every entry verified: ${entries.map((e) => e.status)}`);
  const hint = entries.find((e) => e.event && e.event.soort === 'aanwijzing_gestuurd');
  expect(hint && hint.event.tekst.startsWith('De foto is onscherp'), 'the hint is recorded in the visit');
  const again = await (await telefoon()).newPage();
  const r = await again.goto(eerste.link);
  const uitleg = await again.locator('main').innerText();
  expect(r.status() === 410 && /al gebruikt|beëindigd/.test(uitleg), `second use refused, got ${r.status()}: ${uitleg}`);
  await again.screenshot({ path: path.join(SHOTS, 'klant-14-link-al-gebruikt.png'), fullPage: true });
  await again.context().close();
});

await test('a refusal (variant A: the consequences shown first) ends the session and the visit', async () => {
  const { zaak } = aanDeDeur();
  const s = sessie(zaak);
  const context = await telefoon();
  phone = await context.newPage();
  await phone.goto(s.link);
  await phone.fill('#code', s.code);
  await phone.click('#verder');
  await scherm('toestemming');
  await phone.click('#toestemming-nee');
  await scherm('weigering');
  expect((await phone.locator('main').innerText()).toLowerCase().includes('gevolgen'), 'the consequences of refusing');
  await shot('15-weigering');
  await toegankelijk('weigering');
  await phone.click('#weigering-bevestigen');
  await scherm('beeindigd');
  await shot('16-geweigerd');
  const volg = veldwerk('bezoek', 'app-sessie', 'volg', '--zaak', zaak, '--bevestig-alles');
  expect(volg.einde === 'toestemming_geweigerd' && volg.overgenomen.length === 1, `the refusal taken over: ${JSON.stringify(volg)}`);
  expect(veldwerk("sync").rejections.length === 0, 'accepted');
  await context.close();
});

await test('a withdrawal halfway ends the tour; what was answered stays recorded', async () => {
  const { zaak } = aanDeDeur();
  const s = sessie(zaak);
  const context = await telefoon();
  phone = await context.newPage();
  await phone.goto(s.link);
  await phone.fill('#code', s.code);
  await phone.click('#verder');
  await scherm('toestemming');
  await phone.click('#toestemming-ja');
  await phone.click('#beginnen');
  await scherm('vraag');
  await phone.fill('#antwoord', '1');
  await phone.click('#volgende');
  await phone.locator('#vraag-tekst', { hasText: 'post' }).waitFor();
  await phone.click('#stoppen');
  await scherm('stoppen');
  await shot('17-stoppen');
  await phone.click('#stoppen-bevestigen');
  await scherm('beeindigd');
  await shot('18-gestopt');
  const volg = veldwerk('bezoek', 'app-sessie', 'volg', '--zaak', zaak, '--bevestig-alles');
  const soorten = volg.overgenomen.map((o) => o.soort);
  expect(volg.einde === 'toestemming_ingetrokken' && soorten.join(',') === 'toestemming_gegeven,vraag_beantwoord,toestemming_ingetrokken', `taken over: ${JSON.stringify(volg)}`);
  expect(veldwerk("sync").rejections.length === 0, 'accepted');
  await context.close();
});

await test('an expired link shows why it no longer works', async () => {
  const { zaak } = aanDeDeur();
  const s = sessie(zaak, '--geldig-seconden', '5');
  await new Promise((resolve) => setTimeout(resolve, 5500));
  const context = await telefoon();
  phone = await context.newPage();
  const r = await phone.goto(s.link);
  expect(r.status() === 410 && (await phone.locator('main').innerText()).includes('verlopen'), `expired, got ${r.status()}`);
  await shot('19-verlopen');
  await toegankelijk('verlopen');
  await context.close();
});

await browser.close();
fs.rmSync(deviceDir, { recursive: true, force: true });
for (const [label, violations] of axeFindings) {
  if (violations.length) console.log(`       axe (${label}, not serious): ${violations.map((v) => `${v.id}/${v.impact}`).join(', ')}`);
}
const passed = results.filter(([, ok]) => ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
