/*
 * The client page of the digital huisbezoek (server/docs/app-sessie.md): on their own phone the
 * client enters the code the handhaver shows, gives or refuses consent, answers the vragenlijst
 * (the questions asked follow the answers, like `Vragenlijst::momenten` in the rules), takes the
 * photos it asks for, signs with a finger and submits. Every statement is signed in the browser
 * with an Ed25519 key made for this session (not extractable, kept in memory only) over the
 * canonical JSON of {bezoek, gebeurtenis, n, sessie, tekst_hash}, and sent one after another.
 * Plain JavaScript, no build step; all text in plain Dutch (B1). No innerHTML: every text is set
 * with textContent.
 */
(() => {
  'use strict';

  // Bounds of the rules (rules/src/vragenlijst/mod.rs).
  const MAX_HERHALINGEN = 20;
  const MAX_STREPEN = 100;
  const MAX_PUNTEN = 4000;
  const MAX_COORDINAAT = 65535;
  // Points closer than this to the previous one (canvas CSS pixels) are dropped.
  const MIN_AFSTAND = 2;
  // Photos are drawn again at most this large (long side) and sent as JPEG.
  const MAX_ZIJDE = 1600;
  const JPEG_KWALITEIT = 0.85;
  // The photos in the downloaded copy are smaller.
  const KOPIE_ZIJDE = 400;
  const POLL_MS = 3000;
  const NAAM = 'Huisbezoek via de app';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // Everything the page knows, in memory only.
  const staat = {
    token: '',
    sleutels: null,
    sleutelHex: '',
    sessie: '',
    bezoek: '',
    geheim: '',
    vragenlijst: null,
    toestemming: null,
    n: 1,
    wachtrij: Promise.resolve(),
    onzeker: null,
    verklaringen: [],
    antwoorden: new Map(),
    fotos: new Map(),
    concepten: new Map(),
    vanOverzicht: false,
    toestemmingOm: null,
    handtekening: { breedte: 0, hoogte: 0, strepen: [] },
    ondertekendOm: null,
    laatsteHint: 0,
    pollTimer: null,
    eindeBezig: false,
    afgelopen: false,
  };

  // The parts of the page that stay while the screens change.
  const dom = {
    app: null,
    balk: null,
    stoppen: null,
    hints: null,
    hintLijst: null,
    scherm: null,
    fout: null,
  };

  /* ---------- Small helpers ---------- */

  /** An element of `doc` with attributes and children (strings become text nodes). */
  function elIn(doc, tag, eigenschappen, kinderen) {
    const e = doc.createElement(tag);
    zetEigenschappen(e, eigenschappen);
    voegToe(e, kinderen);
    return e;
  }

  function el(tag, eigenschappen, ...kinderen) {
    return elIn(document, tag, eigenschappen, kinderen);
  }

  function svgIn(doc, tag, eigenschappen) {
    const e = doc.createElementNS(SVG_NS, tag);
    zetEigenschappen(e, eigenschappen);
    return e;
  }

  function zetEigenschappen(e, eigenschappen) {
    for (const [naam, waarde] of Object.entries(eigenschappen || {})) {
      if (waarde === null || waarde === undefined || waarde === false) continue;
      if (naam === 'on') {
        for (const [soort, doe] of Object.entries(waarde)) e.addEventListener(soort, doe);
      } else {
        e.setAttribute(naam, waarde === true ? '' : String(waarde));
      }
    }
  }

  function voegToe(e, kinderen) {
    for (const kind of kinderen.flat(Infinity)) {
      if (kind === null || kind === undefined || kind === false) continue;
      e.append(typeof kind === 'string' || typeof kind === 'number' ? String(kind) : kind);
    }
  }

  function knop(id, tekst, soort, klik) {
    return el('button', { type: 'button', id, class: `knop ${soort || ''}`.trim(), on: { click: klik } }, tekst);
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function klem(n, laag, hoog) {
    return Math.min(hoog, Math.max(laag, n));
  }

  /** Paragraphs of a text: a blank line starts a new one, a single newline stays a line break. */
  function alineas(tekst, doc) {
    return String(tekst || '')
      .split(/\n\s*\n/)
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => elIn(doc || document, 'p', { class: 'behoud' }, [a]));
  }

  function datumTijd(d) {
    return d.toLocaleString('nl-NL', { dateStyle: 'long', timeStyle: 'short' });
  }

  function tijd(d) {
    return d.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit' });
  }

  /** A time the server sent (RFC 3339 text, or seconds or milliseconds since 1970). */
  function leesTijd(om) {
    if (typeof om === 'number') return new Date(om < 1e11 ? om * 1000 : om);
    const d = new Date(String(om));
    return Number.isNaN(d.getTime()) ? null : d;
  }

  /* ---------- Canonical JSON (what is signed) ---------- */

  /**
   * The canonical JSON of a value: object keys sorted by UTF-16 code unit (the same as code point
   * order for the ASCII keys used here) at every level, no whitespace, arrays in order, strings
   * and integers as JSON.stringify writes them.
   */
  function canonicalJson(waarde) {
    if (waarde === null) return 'null';
    if (Array.isArray(waarde)) return `[${waarde.map(canonicalJson).join(',')}]`;
    switch (typeof waarde) {
      case 'string':
        return JSON.stringify(waarde);
      case 'boolean':
        return waarde ? 'true' : 'false';
      case 'number':
        if (!Number.isSafeInteger(waarde)) throw new TypeError('canonicalJson: only integers');
        return JSON.stringify(waarde);
      case 'object': {
        const sleutels = Object.keys(waarde).filter((k) => waarde[k] !== undefined).sort();
        return `{${sleutels.map((k) => `${JSON.stringify(k)}:${canonicalJson(waarde[k])}`).join(',')}}`;
      }
      default:
        throw new TypeError(`canonicalJson: cannot write ${typeof waarde}`);
    }
  }

  /* ---------- The vragenlijst rules (a port of rules/src/vragenlijst/mod.rs) ---------- */

  /** The questions to ask now, in order, given the answers so far (`Vragenlijst::momenten`). */
  function momenten(lijst, antwoorden) {
    const uit = [];
    for (const vraag of lijst.vragen) {
      if (vraag.alleen_als && !voorwaardeGeldt(vraag.alleen_als, antwoorden)) continue;
      if (vraag.herhaal_per === null || vraag.herhaal_per === undefined) {
        uit.push({ sleutel: vraag.id, vraag, herhaling: null });
        continue;
      }
      const per = antwoorden.get(vraag.herhaal_per);
      const aantal = per && per.soort === 'getal' ? klem(per.waarde, 0, MAX_HERHALINGEN) : 0;
      for (let i = 1; i <= aantal; i += 1) {
        uit.push({ sleutel: `${vraag.id}#${i}`, vraag, herhaling: i });
      }
    }
    return uit;
  }

  function voorwaardeGeldt(voorwaarde, antwoorden) {
    if (voorwaarde.is) {
      const a = antwoorden.get(voorwaarde.is.vraag);
      if (a && a.soort === 'ja_nee') return (voorwaarde.is.antwoord === 'ja') === a.waarde;
      if (a && a.soort === 'keuze') return a.waarde.includes(voorwaarde.is.antwoord);
      return false;
    }
    if (voorwaarde.groter_dan) {
      const a = antwoorden.get(voorwaarde.groter_dan.vraag);
      return Boolean(a && a.soort === 'getal' && a.waarde > voorwaarde.groter_dan.waarde);
    }
    return false;
  }

  /** The required questions asked now that have no answer yet (`Vragenlijst::open_vragen`). */
  function openVragen(lijst, antwoorden) {
    return momenten(lijst, antwoorden).filter((m) => m.vraag.verplicht && !antwoorden.has(m.sleutel));
  }

  function isSha256(s) {
    return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  }

  /** Digits with at most one ',' or '.', starting and ending with a digit, 1 to 12 digits. */
  function isMeterstand(s) {
    if (!/^[0-9]+([.,][0-9]+)?$/.test(s)) return false;
    const cijfers = s.replace(/[.,]/g, '').length;
    return cijfers >= 1 && cijfers <= 12;
  }

  // Control characters (Unicode Cc) other than newline and carriage return.
  const STUURTEKEN = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

  /** Why an answer does not fit its question, in Dutch (`Vragenlijst::controleer`), or ''. */
  function controleer(moment, antwoord) {
    const soort = moment.vraag.soort;
    const past = `Dit antwoord past niet bij de vraag: ${moment.vraag.tekst}`;
    switch (soort.soort) {
      case 'ja_nee':
        return antwoord.soort === 'ja_nee' && typeof antwoord.waarde === 'boolean' ? '' : past;
      case 'getal':
        if (antwoord.soort !== 'getal' || !Number.isSafeInteger(antwoord.waarde)) return past;
        return antwoord.waarde < soort.min || antwoord.waarde > soort.max
          ? `Geef een getal van ${soort.min} tot en met ${soort.max}.`
          : '';
      case 'keuze':
        return antwoord.soort === 'keuze' ? controleerKeuze(soort, antwoord.waarde) : past;
      case 'tekst':
        return antwoord.soort === 'tekst' ? controleerTekst(moment.vraag, antwoord.waarde) : past;
      case 'foto':
        return antwoord.soort === 'fotos' ? controleerFotos(soort, antwoord.waarde) : past;
      case 'meterstand':
        return antwoord.soort === 'meterstand' ? controleerMeterstand(antwoord.waarde) : past;
      default:
        return past;
    }
  }

  function controleerKeuze(soort, gekozen) {
    const goed = Array.isArray(gekozen)
      && gekozen.length > 0
      && (soort.meerdere || gekozen.length === 1)
      && gekozen.every((g) => soort.opties.includes(g))
      && gekozen.every((g, i) => gekozen.indexOf(g) === i);
    return goed ? '' : 'Kies uit de mogelijkheden die de vraag geeft.';
  }

  function controleerTekst(vraag, tekst) {
    const max = vraag.soort.max_tekens;
    if (typeof tekst !== 'string' || Array.from(tekst).length > max || STUURTEKEN.test(tekst)) {
      return `Gebruik hoogstens ${max} tekens, zonder stuurtekens.`;
    }
    if (vraag.verplicht && tekst.trim() === '') return 'Deze vraag vraagt een antwoord.';
    return '';
  }

  function controleerFotos(soort, fotos) {
    if (!Array.isArray(fotos) || fotos.length < soort.min || fotos.length > soort.max) {
      return `Maak ${soort.min} tot en met ${soort.max} foto's.`;
    }
    return fotos.every(isSha256) ? '' : 'Een foto is niet (goed) ontvangen.';
  }

  function controleerMeterstand(waarde) {
    if (!waarde || typeof waarde.stand !== 'string' || !isMeterstand(waarde.stand)) {
      return 'Geef de meterstand in cijfers, zoals hij op de meter staat (bijvoorbeeld 01234,567).';
    }
    return isSha256(waarde.foto) ? '' : 'Maak ook een foto van de meter.';
  }

  /** The answer in words (`Antwoord::woorden`). */
  function woorden(antwoord) {
    switch (antwoord.soort) {
      case 'ja_nee':
        return antwoord.waarde ? 'Ja' : 'Nee';
      case 'getal':
        return String(antwoord.waarde);
      case 'keuze':
        return antwoord.waarde.join(', ');
      case 'tekst':
        return antwoord.waarde;
      case 'fotos':
        return antwoord.waarde.length === 1 ? '1 foto' : `${antwoord.waarde.length} foto's`;
      case 'meterstand':
        return `Meterstand ${antwoord.waarde.stand}`;
      default:
        return '';
    }
  }

  function fotosVan(antwoord) {
    if (!antwoord) return [];
    if (antwoord.soort === 'fotos') return antwoord.waarde;
    if (antwoord.soort === 'meterstand') return [antwoord.waarde.foto];
    return [];
  }

  function huidigeMomenten() {
    return momenten(staat.vragenlijst, staat.antwoorden);
  }

  function vraagKop(moment) {
    return moment.herhaling ? `${moment.vraag.tekst} (nummer ${moment.herhaling})` : moment.vraag.tekst;
  }

  /* ---------- Talking to the server ---------- */

  class ServerFout extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const GEEN_VERBINDING = 'Er is geen verbinding met de server. Controleer uw internet en probeer het opnieuw.';

  function standaardMelding(status) {
    if (status === 410) return 'Deze sessie is beëindigd.';
    return `Er ging iets mis (fout ${status}). Probeer het opnieuw.`;
  }

  async function leesJson(antwoord) {
    try {
      return await antwoord.json();
    } catch (e) {
      return null;
    }
  }

  /** A request to this page's routes under /k/{token}; the answer's JSON, or a ServerFout. */
  async function vraagServer(pad, opties = {}) {
    const headers = { Accept: 'application/json' };
    let body;
    if (opties.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opties.json);
    } else if (opties.bytes) {
      headers['Content-Type'] = opties.type;
      body = opties.bytes;
    }
    if (staat.geheim) headers['X-Sessie-Geheim'] = staat.geheim;
    let antwoord;
    try {
      antwoord = await fetch(`/k/${staat.token}${pad}`, {
        method: opties.methode || 'GET',
        headers,
        body,
        cache: 'no-store',
        credentials: 'same-origin',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ServerFout(0, 'geen_verbinding', GEEN_VERBINDING);
    }
    const data = await leesJson(antwoord);
    if (!antwoord.ok) {
      const bericht = data && typeof data.message === 'string' && data.message ? data.message : standaardMelding(antwoord.status);
      throw new ServerFout(antwoord.status, (data && data.code) || 'server_error', bericht);
    }
    return data;
  }

  /** Shows a failed request: the ended screen for 410, else the message in the alert box. */
  function toonServerFout(fout) {
    if (staat.afgelopen) return;
    if (fout instanceof ServerFout && fout.status === 410) {
      sessieBeeindigd(fout.message);
      return;
    }
    if (!(fout instanceof ServerFout)) console.error(fout);
    zetFout(fout instanceof ServerFout ? fout.message : 'Er ging iets mis. Probeer het opnieuw.');
  }

  /* ---------- Statements: signed, one after another ---------- */

  /** Queues a statement; resolves when the server accepted it (then `n` goes up by one). */
  function verklaar(gebeurtenis) {
    const taak = staat.wachtrij.then(() => verstuurVerklaring(gebeurtenis));
    staat.wachtrij = taak.catch(() => {});
    return taak;
  }

  async function verstuurVerklaring(gebeurtenis) {
    const n = staat.n;
    const handtekening = await onderteken(n, gebeurtenis);
    let antwoord;
    try {
      antwoord = await vraagServer('/verklaring', { methode: 'POST', json: { n, gebeurtenis, handtekening } });
    } catch (fout) {
      return herstel(fout, n, gebeurtenis, handtekening);
    }
    staat.onzeker = null;
    aanvaard(n, gebeurtenis, handtekening);
    if (antwoord && antwoord.beeindigd === true) stopPollen();
    return antwoord;
  }

  /** Ed25519 over the canonical JSON of {bezoek, gebeurtenis, n, sessie, tekst_hash}, hex. */
  async function onderteken(n, gebeurtenis) {
    const bericht = {
      bezoek: staat.bezoek,
      gebeurtenis,
      n,
      sessie: staat.sessie,
      tekst_hash: staat.toestemming.tekst_hash,
    };
    const bytes = new TextEncoder().encode(canonicalJson(bericht));
    return hex(await crypto.subtle.sign({ name: 'Ed25519' }, staat.sleutels.privateKey, bytes));
  }

  /**
   * A statement that failed. Without a connection the server may still have received it, so it
   * is remembered; when the next try with that number is refused as out of order, the earlier
   * one did arrive: it counts as sent, and a different statement goes out with the next number.
   */
  async function herstel(fout, n, gebeurtenis, handtekening) {
    if (fout instanceof ServerFout && fout.status === 0) {
      staat.onzeker = { n, gebeurtenis, handtekening };
      throw fout;
    }
    const eerder = staat.onzeker;
    const aangekomen = fout instanceof ServerFout && fout.status === 409
      && fout.code === 'verklaring_volgorde' && eerder && eerder.n === n;
    if (!aangekomen) throw fout;
    staat.onzeker = null;
    aanvaard(eerder.n, eerder.gebeurtenis, eerder.handtekening);
    if (canonicalJson(eerder.gebeurtenis) === canonicalJson(gebeurtenis)) return { n, beeindigd: false };
    return verstuurVerklaring(gebeurtenis);
  }

  /** A statement the server accepted: counted, kept for the copy, and its effect on the page. */
  function aanvaard(n, gebeurtenis, handtekening) {
    staat.n = n + 1;
    staat.verklaringen.push({ n, gebeurtenis, handtekening, om: new Date() });
    if (gebeurtenis.soort === 'toestemming_gegeven') staat.toestemmingOm = new Date();
    if (gebeurtenis.soort === 'vraag_beantwoord') {
      staat.antwoorden.set(gebeurtenis.sleutel, gebeurtenis.antwoord);
      staat.concepten.delete(gebeurtenis.sleutel);
    }
  }

  /* ---------- Polling for hints and the end ---------- */

  function startPollen() {
    if (staat.pollTimer === null && !staat.afgelopen) staat.pollTimer = setTimeout(poll, POLL_MS);
  }

  function stopPollen() {
    if (staat.pollTimer !== null) clearTimeout(staat.pollTimer);
    staat.pollTimer = null;
  }

  async function poll() {
    staat.pollTimer = null;
    if (staat.afgelopen) return;
    try {
      const status = await vraagServer(`/status?na=${staat.laatsteHint}`);
      toonHints((status && status.hints) || []);
      if (status && status.status === 'beeindigd' && !staat.eindeBezig && !staat.afgelopen) {
        sessieBeeindigd(eindeInWoorden(status.einde));
        return;
      }
    } catch (fout) {
      if (fout instanceof ServerFout && fout.status === 410 && !staat.eindeBezig && !staat.afgelopen) {
        sessieBeeindigd(fout.message);
        return;
      }
      // Another failure (no network for a moment): try again at the next turn.
    }
    startPollen();
  }

  function toonHints(hints) {
    const nieuw = hints
      .filter((h) => h && Number.isSafeInteger(h.n) && h.n > staat.laatsteHint)
      .sort((a, b) => a.n - b.n);
    if (nieuw.length === 0) return;
    if (!dom.hintLijst) {
      dom.hintLijst = el('ul', { class: 'hintlijst' });
      dom.hints.append(el('h2', { class: 'hintkop' }, 'Bericht van de handhaver'), dom.hintLijst);
    }
    for (const hint of nieuw) {
      dom.hintLijst.prepend(hintRegel(hint));
      staat.laatsteHint = hint.n;
    }
  }

  function hintRegel(hint) {
    const om = leesTijd(hint.om);
    const wanneer = om
      ? el('time', { class: 'tijd', datetime: om.toISOString() }, tijd(om))
      : el('span', { class: 'tijd' }, String(hint.om || ''));
    return el('li', {}, wanneer, ' ', String(hint.tekst === undefined ? '' : hint.tekst));
  }

  // How a session can end, in words (the status's `einde`, when it is one of these codes).
  const REDENEN = {
    geweigerd: 'U heeft geen toestemming gegeven.',
    toestemming_geweigerd: 'U heeft geen toestemming gegeven.',
    ingetrokken: 'U bent gestopt.',
    toestemming_ingetrokken: 'U bent gestopt.',
    ondertekend: 'Uw antwoorden zijn ondertekend en verstuurd.',
    vragenlijst_ondertekend: 'Uw antwoorden zijn ondertekend en verstuurd.',
    handhaver: 'De handhaver heeft de sessie beëindigd.',
    door_handhaver: 'De handhaver heeft de sessie beëindigd.',
    beeindigd_door_handhaver: 'De handhaver heeft de sessie beëindigd.',
    einde: 'De handhaver heeft de sessie beëindigd.',
    verlopen: 'De tijd voor deze sessie is voorbij.',
    verloopt: 'De tijd voor deze sessie is voorbij.',
    te_veel_pogingen: 'Er is te vaak een verkeerde code ingevuld.',
    pogingen: 'Er is te vaak een verkeerde code ingevuld.',
    code_te_vaak_fout: 'Er is te vaak een verkeerde code ingevuld.',
  };

  /** The reason a session ended, in words, from whatever the server gave (text, code or object). */
  function eindeInWoorden(einde) {
    if (!einde) return '';
    if (typeof einde === 'string') {
      if (Object.prototype.hasOwnProperty.call(REDENEN, einde)) return REDENEN[einde];
      return /\s/.test(einde) ? einde : '';
    }
    if (typeof einde === 'object') {
      for (const veld of ['message', 'tekst', 'reden', 'waarom', 'door', 'soort', 'code']) {
        const woord = typeof einde[veld] === 'string' ? eindeInWoorden(einde[veld]) : '';
        if (woord) return woord;
      }
    }
    return '';
  }

  /* ---------- Screens ---------- */

  function bouwGeraamte() {
    dom.stoppen = knop('stoppen', 'Stoppen', 'knop-stop', vraagStoppen);
    dom.balk = el('div', { class: 'balk', hidden: true }, dom.stoppen);
    dom.hints = el('div', { id: 'hints', role: 'status', 'aria-live': 'polite', class: 'hints' });
    dom.scherm = el('div', { class: 'schermvak' });
    dom.fout = el('p', { id: 'fout', role: 'alert', class: 'fout' });
    dom.app.replaceChildren(dom.balk, dom.hints, dom.scherm, dom.fout);
  }

  function magStoppen() {
    return Boolean(staat.toestemmingOm) && !staat.afgelopen && !staat.eindeBezig;
  }

  /** Shows a screen: a section with an h1 (which gets the focus) and the given content. */
  function toon(naam, titel, ...inhoud) {
    const kop = el('h1', { tabindex: '-1' }, titel);
    plaats(naam, el('section', { class: 'scherm' }, kop, ...inhoud));
  }

  function plaats(naam, sectie) {
    dom.scherm.replaceChildren(sectie);
    dom.app.dataset.scherm = naam;
    dom.balk.hidden = !magStoppen() || naam === 'stoppen';
    zetFout('');
    const kop = sectie.querySelector('h1');
    document.title = `${kop.textContent} – ${NAAM}`;
    window.scrollTo(0, 0);
    kop.focus();
  }

  function zetFout(tekst) {
    dom.fout.textContent = tekst || '';
    if (tekst && dom.fout.scrollIntoView) dom.fout.scrollIntoView({ block: 'nearest' });
  }

  /** A line that says what is going on ("… wordt verstuurd"), read out by screen readers. */
  function meldingsregel() {
    return el('p', { class: 'melding', 'aria-live': 'polite' });
  }

  function knoppen(...inhoud) {
    return el('div', { class: 'knoppen' }, ...inhoud);
  }

  function zetEindeBezig(bezig) {
    staat.eindeBezig = bezig;
    dom.balk.hidden = !magStoppen() || dom.app.dataset.scherm === 'stoppen';
  }

  /** The session ended by the client's own statement (refusal, withdrawal). */
  function eindeDoorClient(tekst) {
    staat.afgelopen = true;
    stopPollen();
    window.removeEventListener('beforeunload', waarschuwBijVerlaten);
    toonEinde('Deze sessie is beëindigd', tekst);
  }

  /** The session ended on the server's side (410, or the status says so). */
  function sessieBeeindigd(reden) {
    staat.afgelopen = true;
    stopPollen();
    window.removeEventListener('beforeunload', waarschuwBijVerlaten);
    toonEinde('Deze sessie is beëindigd', reden || 'U kunt hier niets meer invullen.');
  }

  function toonEinde(titel, tekst) {
    toon(
      'beeindigd',
      titel,
      el('p', { class: 'groot' }, tekst),
      el('p', {}, 'Heeft u vragen? Stel ze aan de handhaver. U kunt deze pagina sluiten.'),
    );
  }

  function waarschuwBijVerlaten(e) {
    e.preventDefault();
    e.returnValue = '';
  }

  /* Screen: this browser cannot be used. */

  function toonOngeschikt() {
    toon(
      'ongeschikt',
      'Deze browser kunt u niet gebruiken',
      el('p', {}, 'Deze browser kan uw antwoorden niet veilig ondertekenen.'),
      el('p', {}, 'Vraag de handhaver om de tablet. Of open de link in een nieuwere browser, zoals de nieuwste Chrome, Safari of Firefox.'),
    );
  }

  async function kanEd25519() {
    if (!(window.isSecureContext && window.crypto && crypto.subtle)) return false;
    try {
      await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      return true;
    } catch (e) {
      return false;
    }
  }

  /* Screen: the code. */

  function toonCode() {
    const invoer = el('input', {
      id: 'code',
      name: 'code',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: '12',
      'aria-describedby': 'code-uitleg',
      spellcheck: 'false',
    });
    const melding = meldingsregel();
    let bezig = false;
    const formulier = el(
      'form',
      { novalidate: true, on: { submit: verzend } },
      el('label', { for: 'code', class: 'label' }, 'Code'),
      el('p', { id: 'code-uitleg', class: 'hulp' }, 'De code heeft 6 cijfers.'),
      invoer,
      knoppen(el('button', { type: 'submit', id: 'verder', class: 'knop' }, 'Verder')),
      melding,
    );

    async function verzend(e) {
      e.preventDefault();
      if (bezig) return;
      const code = invoer.value.replace(/\s+/g, '');
      if (!/^[0-9]{6}$/.test(code)) {
        zetFout(code === '' ? 'Vul de code in.' : 'De code heeft 6 cijfers. Kijk nog eens naar de code van de handhaver.');
        invoer.focus();
        return;
      }
      bezig = true;
      zetFout('');
      melding.textContent = 'De code wordt gecontroleerd…';
      try {
        await koppel(code);
        melding.textContent = '';
        toonToestemming();
      } catch (fout) {
        melding.textContent = '';
        if (fout && fout.name === 'NotSupportedError') toonOngeschikt();
        else toonServerFout(fout);
        if (dom.app.dataset.scherm === 'code') invoer.focus();
      } finally {
        bezig = false;
      }
    }

    toon(
      'code',
      'Vul de code in die de handhaver u laat zien',
      el('p', {}, 'De handhaver laat u een code van 6 cijfers zien. Vul die code hieronder in.'),
      formulier,
    );
  }

  async function koppel(code) {
    const sleutels = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const sleutelHex = hex(await crypto.subtle.exportKey('raw', sleutels.publicKey));
    const a = await vraagServer('/koppel', { methode: 'POST', json: { code, sleutel: sleutelHex } });
    if (!koppelingKlopt(a)) {
      throw new ServerFout(0, 'antwoord_onbekend', 'Het antwoord van de server klopt niet. Vraag de handhaver om hulp.');
    }
    staat.sleutels = sleutels;
    staat.sleutelHex = sleutelHex;
    staat.sessie = a.sessie;
    staat.bezoek = a.bezoek;
    staat.geheim = a.geheim;
    staat.vragenlijst = a.vragenlijst;
    staat.toestemming = a.toestemming;
    window.addEventListener('beforeunload', waarschuwBijVerlaten);
    startPollen();
  }

  function koppelingKlopt(a) {
    return Boolean(a)
      && typeof a.sessie === 'string'
      && typeof a.bezoek === 'string'
      && typeof a.geheim === 'string'
      && a.vragenlijst && Array.isArray(a.vragenlijst.vragen)
      && a.toestemming && typeof a.toestemming.tekst === 'string'
      && typeof a.toestemming.tekst_hash === 'string';
  }

  /* Screen: consent. */

  function toonToestemming() {
    const melding = meldingsregel();
    let bezig = false;

    async function geef() {
      if (bezig) return;
      bezig = true;
      zetFout('');
      melding.textContent = 'Uw toestemming wordt verstuurd…';
      try {
        await verklaar({ soort: 'toestemming_gegeven' });
        toonUitleg();
      } catch (fout) {
        melding.textContent = '';
        toonServerFout(fout);
      } finally {
        bezig = false;
      }
    }

    toon(
      'toestemming',
      'Geeft u toestemming?',
      el('p', {}, 'Lees deze tekst goed. Daarna kiest u.'),
      el('div', { class: 'tekstblok' }, alineas(staat.toestemming.tekst)),
      knoppen(
        knop('toestemming-ja', 'Ja, ik geef toestemming', '', geef),
        knop('toestemming-nee', 'Nee, ik geef geen toestemming', 'knop-tweede', toonWeigering),
      ),
      melding,
    );
  }

  /** The sentences of the consent text that name consequences (variant A). */
  function zinnenOverGevolgen(tekst) {
    return String(tekst)
      .split(/(?<=[.!?])\s+/)
      .filter((zin) => /gevolg/i.test(zin) && !/geen (directe )?gevolg/i.test(zin));
  }

  function gevolgenUitleg(variant) {
    if (variant === 'a') {
      const zinnen = zinnenOverGevolgen(staat.toestemming.tekst);
      return [
        el('p', { class: 'groot' }, 'Let op: als u geen toestemming geeft, kan dat gevolgen hebben voor uw recht op bijstand.'),
        zinnen.length ? el('p', {}, 'In de tekst staat:') : null,
        zinnen.length ? el('blockquote', { class: 'citaat' }, zinnen.join(' ')) : null,
      ];
    }
    if (variant === 'b') return [el('p', {}, 'Als u geen toestemming geeft, heeft dat geen directe gevolgen voor uw bijstand.')];
    return [el('p', {}, 'Als u geen toestemming geeft, heeft dat geen gevolgen voor uw bijstand.')];
  }

  function toonWeigering() {
    const variant = staat.toestemming.variant;
    const melding = meldingsregel();
    let bezig = false;

    async function weiger() {
      if (bezig) return;
      bezig = true;
      zetFout('');
      zetEindeBezig(true);
      melding.textContent = 'Uw keuze wordt verstuurd…';
      try {
        await verklaar({ soort: 'toestemming_geweigerd', gewezen_op_gevolgen: variant === 'a' });
        eindeDoorClient('U heeft geen toestemming gegeven. De handhaver is op de hoogte.');
      } catch (fout) {
        zetEindeBezig(false);
        melding.textContent = '';
        toonServerFout(fout);
      } finally {
        bezig = false;
      }
    }

    toon(
      'weigering',
      'Weet u zeker dat u geen toestemming geeft?',
      gevolgenUitleg(variant),
      el('p', {}, 'Als u geen toestemming geeft, stopt de rondgang. U kunt daarna niets meer invullen.'),
      knoppen(
        knop('weigering-bevestigen', 'Ja, ik geef geen toestemming', 'knop-stop', weiger),
        knop('weigering-terug', 'Terug naar de tekst', 'knop-tweede', toonToestemming),
      ),
      melding,
    );
  }

  /* Screen: what the vragenlijst is about. */

  function toonUitleg() {
    const lijst = staat.vragenlijst;
    toon(
      'uitleg',
      lijst.titel || 'De vragen',
      lijst.uitleg ? el('div', { class: 'tekstblok' }, alineas(lijst.uitleg)) : null,
      el('p', {}, 'U ziet steeds één vraag. Bij sommige vragen maakt u een foto. Aan het eind ziet u al uw antwoorden en zet u uw handtekening.'),
      el('p', {}, 'Laat deze pagina open tot u klaar bent. Als u de pagina sluit of opnieuw laadt, kunt u niet verder.'),
      knoppen(knop('beginnen', 'Beginnen', '', beginVragen)),
    );
  }

  function beginVragen() {
    staat.vanOverzicht = false;
    const lijst = huidigeMomenten();
    if (lijst.length) toonVraag(lijst[0].sleutel);
    else toonOverzicht();
  }

  /* Screen: one question. */

  function toonVraag(sleutel) {
    const lijst = huidigeMomenten();
    const index = lijst.findIndex((m) => m.sleutel === sleutel);
    if (index < 0) {
      toonOverzicht();
      return;
    }
    const moment = lijst[index];
    const vorig = staat.antwoorden.get(sleutel) || null;
    const invoer = invoerVoor(moment, vorig);
    const melding = meldingsregel();
    const kop = [
      el('span', { class: 'voortgang' }, `Vraag ${index + 1} van ${lijst.length}`),
      el('span', { id: 'vraag-tekst', class: 'vraagtekst' }, vraagKop(moment)),
    ];
    const formulier = el(
      'form',
      { novalidate: true, on: { submit: (e) => { e.preventDefault(); volgende(moment, invoer, melding); } } },
      moment.vraag.verplicht ? null : el('p', { class: 'hulp' }, 'Deze vraag hoeft u niet te beantwoorden.'),
      invoer.element,
      knoppen(
        el('button', { type: 'submit', id: 'volgende', class: 'knop' }, 'Volgende'),
        knop('vorige', 'Vorige', 'knop-tweede', () => vorigeVraag(sleutel)),
      ),
      melding,
    );
    toon('vraag', kop, formulier);
  }

  function invoerVoor(moment, vorig) {
    switch (moment.vraag.soort.soort) {
      case 'ja_nee':
        return jaNeeInvoer(vorig);
      case 'getal':
        return getalInvoer(moment.vraag.soort, vorig);
      case 'keuze':
        return keuzeInvoer(moment.vraag.soort, vorig);
      case 'tekst':
        return tekstInvoer(moment.vraag.soort, vorig);
      case 'foto':
        return fotoInvoer(moment, vorig);
      case 'meterstand':
        return meterstandInvoer(moment, vorig);
      default:
        return { element: el('p', {}, 'Deze vraag kan deze pagina niet tonen. Vraag de handhaver om hulp.'), lees: () => null };
    }
  }

  function jaNeeInvoer(vorig) {
    let waarde = vorig ? vorig.waarde : null;
    const ja = el('button', { type: 'button', id: 'antwoord-ja', class: 'keus', 'aria-pressed': String(waarde === true) }, 'Ja');
    const nee = el('button', { type: 'button', id: 'antwoord-nee', class: 'keus', 'aria-pressed': String(waarde === false) }, 'Nee');
    function kies(w) {
      waarde = w;
      ja.setAttribute('aria-pressed', String(w === true));
      nee.setAttribute('aria-pressed', String(w === false));
      zetFout('');
    }
    ja.addEventListener('click', () => kies(true));
    nee.addEventListener('click', () => kies(false));
    return {
      element: el('div', { role: 'group', 'aria-labelledby': 'vraag-tekst', class: 'janee' }, ja, nee),
      lees: () => (waarde === null ? null : { soort: 'ja_nee', waarde }),
    };
  }

  function getalInvoer(soort, vorig) {
    const invoer = el('input', {
      id: 'antwoord',
      type: 'number',
      inputmode: soort.min >= 0 ? 'numeric' : null,
      min: soort.min,
      max: soort.max,
      step: '1',
      autocomplete: 'off',
      'aria-describedby': 'antwoord-hulp',
    });
    if (vorig) invoer.value = String(vorig.waarde);
    function lees() {
      if (invoer.validity && invoer.validity.badInput) return { fout: 'Vul een getal in, alleen met cijfers.' };
      const tekst = invoer.value.trim();
      if (tekst === '') return null;
      if (!/^-?[0-9]+$/.test(tekst)) return { fout: 'Vul een heel getal in, zonder komma of punt.' };
      const n = Number(tekst);
      if (!Number.isSafeInteger(n)) return { fout: `Geef een getal van ${soort.min} tot en met ${soort.max}.` };
      return { soort: 'getal', waarde: n };
    }
    return {
      element: el(
        'div',
        { class: 'veld' },
        el('label', { for: 'antwoord', class: 'label' }, 'Uw antwoord'),
        el('p', { id: 'antwoord-hulp', class: 'hulp' }, `Een getal van ${soort.min} tot en met ${soort.max}.`),
        invoer,
      ),
      lees,
    };
  }

  function keuzeInvoer(soort, vorig) {
    const type = soort.meerdere ? 'checkbox' : 'radio';
    const gekozen = vorig ? vorig.waarde : [];
    const opties = soort.opties.map((optie, i) => {
      const invoer = el('input', { type, name: 'keuze', id: `keuze-${i + 1}`, value: optie });
      invoer.checked = gekozen.includes(optie);
      return el('label', { class: 'optie', for: `keuze-${i + 1}` }, invoer, el('span', {}, optie));
    });
    const groep = el(
      'fieldset',
      { class: 'keuzes', 'aria-describedby': 'vraag-tekst' },
      el('legend', { class: 'label' }, soort.meerdere ? 'Kies een of meer antwoorden' : 'Kies één antwoord'),
      opties,
    );
    function lees() {
      const waarde = Array.from(groep.querySelectorAll('input[name="keuze"]'))
        .filter((i) => i.checked)
        .map((i) => i.value);
      return waarde.length ? { soort: 'keuze', waarde } : null;
    }
    return { element: groep, lees };
  }

  function tekstInvoer(soort, vorig) {
    const invoer = el('textarea', {
      id: 'antwoord',
      rows: '5',
      maxlength: soort.max_tekens,
      'aria-describedby': 'antwoord-hulp',
    });
    if (vorig) invoer.value = vorig.waarde;
    const hulp = el('p', { id: 'antwoord-hulp', class: 'hulp' });
    function tel() {
      const over = soort.max_tekens - Array.from(invoer.value).length;
      hulp.textContent = `Hoogstens ${soort.max_tekens} tekens. U heeft nog ${Math.max(0, over)} tekens over.`;
    }
    invoer.addEventListener('input', tel);
    tel();
    function lees() {
      const tekst = invoer.value.trim();
      return tekst === '' ? null : { soort: 'tekst', waarde: tekst };
    }
    return {
      element: el('div', { class: 'veld' }, el('label', { for: 'antwoord', class: 'label' }, 'Uw antwoord'), hulp, invoer),
      lees,
      leeg: { soort: 'tekst', waarde: '' },
    };
  }

  function fotoInvoer(moment, vorig) {
    const soort = moment.vraag.soort;
    const veld = fotoVeld(moment.sleutel, soort.min, soort.max, fotosVan(vorig));
    function lees() {
      const lijst = veld.lijst();
      if (lijst.length === 0 && soort.min > 0) return null;
      return { soort: 'fotos', waarde: lijst };
    }
    return { element: veld.element, lees, bezig: veld.bezig };
  }

  function meterstandInvoer(moment, vorig) {
    const eenheid = moment.vraag.soort.eenheid;
    const invoer = el('input', {
      id: 'meterstand',
      type: 'text',
      inputmode: 'decimal',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'meterstand-hulp',
    });
    if (vorig) invoer.value = vorig.waarde.stand;
    const veld = fotoVeld(moment.sleutel, 1, 1, fotosVan(vorig), 'Foto van de meter');
    function lees() {
      const stand = invoer.value.trim();
      const foto = veld.lijst()[0] || '';
      if (stand === '' && foto === '') return null;
      return { soort: 'meterstand', waarde: { stand, foto } };
    }
    return {
      element: el(
        'div',
        {},
        el(
          'div',
          { class: 'veld' },
          el('label', { for: 'meterstand', class: 'label' }, `Meterstand in ${eenheid}`),
          el('p', { id: 'meterstand-hulp', class: 'hulp' }, 'Alleen cijfers, met hoogstens één komma. Bijvoorbeeld 01234,567.'),
          invoer,
        ),
        veld.element,
      ),
      lees,
      bezig: veld.bezig,
    };
  }

  async function volgende(moment, invoer, melding) {
    if (invoer.verstuurt) return;
    if (invoer.bezig && invoer.bezig()) {
      zetFout('Wacht even tot de foto is verstuurd.');
      return;
    }
    const gelezen = invoer.lees();
    if (gelezen && gelezen.fout) {
      zetFout(gelezen.fout);
      return;
    }
    const antwoord = gelezen || leegAntwoord(moment, invoer);
    if (antwoord === 'overslaan') {
      naVraag(moment.sleutel);
      return;
    }
    if (typeof antwoord === 'string') {
      zetFout(antwoord);
      return;
    }
    const fout = controleer(moment, antwoord);
    if (fout) {
      zetFout(fout);
      return;
    }
    const eerder = staat.antwoorden.get(moment.sleutel);
    if (eerder && canonicalJson(eerder) === canonicalJson(antwoord)) {
      naVraag(moment.sleutel);
      return;
    }
    await stuurAntwoord(moment, antwoord, invoer, melding);
  }

  /** For an empty input: 'overslaan', an empty answer to send, or why that cannot be. */
  function leegAntwoord(moment, invoer) {
    if (moment.vraag.verplicht) return 'Deze vraag moet u beantwoorden.';
    if (!staat.antwoorden.has(moment.sleutel)) return 'overslaan';
    if (invoer.leeg) return invoer.leeg;
    return 'U kunt een gegeven antwoord niet leegmaken. Geef een ander antwoord.';
  }

  async function stuurAntwoord(moment, antwoord, invoer, melding) {
    invoer.verstuurt = true;
    zetFout('');
    melding.textContent = 'Uw antwoord wordt verstuurd…';
    try {
      await verklaar({
        soort: 'vraag_beantwoord',
        vragenlijst: staat.vragenlijst.id,
        versie: staat.vragenlijst.versie,
        sleutel: moment.sleutel,
        antwoord,
      });
      melding.textContent = '';
      if (melding.isConnected) naVraag(moment.sleutel);
    } catch (fout) {
      melding.textContent = '';
      toonServerFout(fout);
    } finally {
      invoer.verstuurt = false;
    }
  }

  /** After a question: the next one; coming from the overview, the first open one or back. */
  function naVraag(sleutel) {
    if (staat.vanOverzicht) {
      const open = openVragen(staat.vragenlijst, staat.antwoorden);
      if (open.length) toonVraag(open[0].sleutel);
      else toonOverzicht();
      return;
    }
    const lijst = huidigeMomenten();
    const index = lijst.findIndex((m) => m.sleutel === sleutel);
    if (index >= 0 && index + 1 < lijst.length) toonVraag(lijst[index + 1].sleutel);
    else toonOverzicht();
  }

  function vorigeVraag(sleutel) {
    const lijst = huidigeMomenten();
    const index = lijst.findIndex((m) => m.sleutel === sleutel);
    if (index > 0) toonVraag(lijst[index - 1].sleutel);
    else toonUitleg();
  }

  /* Photos: drawn again (no EXIF, no location), hashed, uploaded. */

  /** Thumbnails, a "verwijderen" button per photo and a file input to add one, up to `max`. */
  function fotoVeld(sleutel, min, max, begin, titel) {
    const lijst = staat.concepten.has(sleutel) ? staat.concepten.get(sleutel).slice() : begin.slice();
    let uploads = 0;
    const telling = el('p', { class: 'hulp', id: 'foto-hulp' });
    const raster = el('ul', { class: 'fotos', 'aria-label': "Uw foto's" });
    const melding = meldingsregel();
    const invoer = el('input', {
      type: 'file',
      id: 'foto',
      accept: 'image/*',
      capture: 'environment',
      class: 'bestand',
      'aria-describedby': 'foto-hulp',
    });
    const label = el('label', { for: 'foto', class: 'knop knop-tweede bestandknop' });
    const toevoegen = el('div', { class: 'toevoegen' }, invoer, label);

    function bewaar() {
      staat.concepten.set(sleutel, lijst.slice());
    }

    function teken() {
      raster.replaceChildren(...lijst.map((sha, i) => fotoTegel(sha, i)));
      const ondergrens = min > 0 ? `Maak minstens ${min === 1 ? '1 foto' : `${min} foto's`}. ` : '';
      telling.textContent = `${ondergrens}U kunt hoogstens ${max === 1 ? '1 foto' : `${max} foto's`} maken. U heeft er nu ${lijst.length}.`;
      label.textContent = lijst.length === 0 ? (titel ? `${titel} maken` : 'Foto maken') : 'Nog een foto maken';
      toevoegen.hidden = lijst.length >= max;
      invoer.disabled = uploads > 0;
    }

    function fotoTegel(sha, i) {
      const foto = staat.fotos.get(sha);
      const nummer = i + 1;
      const weg = knop(null, 'Verwijderen', 'knop-tweede knop-klein', () => verwijder(i));
      weg.setAttribute('aria-label', `Foto ${nummer} verwijderen`);
      return el(
        'li',
        {},
        foto ? el('img', { src: foto.url, alt: `Foto ${nummer}` }) : el('span', { class: 'geenbeeld' }, `Foto ${nummer}`),
        weg,
      );
    }

    function verwijder(i) {
      lijst.splice(i, 1);
      bewaar();
      teken();
      melding.textContent = 'De foto is verwijderd.';
      if (!toevoegen.hidden) invoer.focus();
    }

    async function gekozen() {
      const bestand = invoer.files && invoer.files[0];
      invoer.value = '';
      if (!bestand || uploads > 0 || lijst.length >= max) return;
      uploads += 1;
      teken();
      zetFout('');
      melding.textContent = 'Foto wordt verstuurd…';
      try {
        const sha = await verwerkFoto(bestand);
        if (lijst.includes(sha)) {
          melding.textContent = 'Deze foto heeft u al toegevoegd.';
        } else {
          lijst.push(sha);
          bewaar();
          melding.textContent = 'De foto is verstuurd.';
        }
      } catch (fout) {
        melding.textContent = '';
        toonServerFout(fout);
      } finally {
        uploads -= 1;
        teken();
      }
    }

    invoer.addEventListener('change', gekozen);
    teken();
    return {
      element: el('div', { class: 'fotoveld' }, telling, raster, toevoegen, melding),
      lijst: () => lijst.slice(),
      bezig: () => uploads > 0,
    };
  }

  async function verwerkFoto(bestand) {
    const blob = await herteken(bestand, MAX_ZIJDE, JPEG_KWALITEIT);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const sha = hex(await crypto.subtle.digest('SHA-256', bytes));
    const antwoord = await vraagServer('/foto', { methode: 'POST', bytes, type: 'image/jpeg' });
    if (!antwoord || antwoord.sha256 !== sha) {
      throw new ServerFout(0, 'foto_niet_goed', 'De foto is niet goed aangekomen. Maak de foto opnieuw.');
    }
    if (!staat.fotos.has(sha)) staat.fotos.set(sha, { blob, url: URL.createObjectURL(blob) });
    return sha;
  }

  /** A picture drawn again on a canvas, at most `zijde` px on the long side, as a JPEG blob. */
  async function herteken(bron, zijde, kwaliteit) {
    const beeld = await decodeer(bron);
    try {
      const breedte = beeld.naturalWidth || beeld.width;
      const hoogte = beeld.naturalHeight || beeld.height;
      if (!breedte || !hoogte) throw onleesbaar();
      const schaal = Math.min(1, zijde / Math.max(breedte, hoogte));
      const doek = document.createElement('canvas');
      doek.width = Math.max(1, Math.round(breedte * schaal));
      doek.height = Math.max(1, Math.round(hoogte * schaal));
      const ctx = doek.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, doek.width, doek.height);
      ctx.drawImage(beeld, 0, 0, doek.width, doek.height);
      const blob = await new Promise((klaar) => doek.toBlob(klaar, 'image/jpeg', kwaliteit));
      if (!blob) throw onleesbaar();
      return blob;
    } finally {
      if (typeof beeld.close === 'function') beeld.close();
    }
  }

  function onleesbaar() {
    return new ServerFout(0, 'foto_onleesbaar', 'Deze foto kan niet worden gelezen. Maak een nieuwe foto.');
  }

  async function decodeer(bestand) {
    if (typeof createImageBitmap === 'function') {
      try {
        return await createImageBitmap(bestand, { imageOrientation: 'from-image' });
      } catch (e) {
        // Some browsers cannot decode every format this way; an Image can.
      }
    }
    return laadAfbeelding(bestand);
  }

  function laadAfbeelding(bestand) {
    return new Promise((klaar, mis) => {
      const url = URL.createObjectURL(bestand);
      const img = new Image();
      img.onload = () => {
        URL.revokeObjectURL(url);
        klaar(img);
      };
      img.onerror = () => {
        URL.revokeObjectURL(url);
        mis(onleesbaar());
      };
      img.src = url;
    });
  }

  /* Screen: overview of all answers. */

  function toonOverzicht() {
    staat.vanOverzicht = false;
    const lijst = huidigeMomenten();
    const open = openVragen(staat.vragenlijst, staat.antwoorden);
    const items = lijst.map((m) => overzichtRegel(m));
    toon(
      'overzicht',
      'Controleer uw antwoorden',
      el('p', {}, 'Hier ziet u al uw antwoorden. Klopt er iets niet? Kies dan "Wijzigen".'),
      open.length ? openBlok(open) : null,
      items.length ? el('ol', { class: 'overzicht' }, items) : el('p', {}, 'Er zijn geen vragen.'),
      open.length
        ? el('p', { class: 'hulp' }, 'U kunt ondertekenen als u alle verplichte vragen heeft beantwoord.')
        : knoppen(knop('naar-ondertekenen', 'Naar ondertekenen', '', toonOndertekenen)),
    );
  }

  function openBlok(open) {
    return el(
      'div',
      { class: 'open' },
      el('h2', {}, open.length === 1 ? 'Deze vraag moet u nog beantwoorden:' : 'Deze vragen moet u nog beantwoorden:'),
      el('ul', {}, open.map((m) => el(
        'li',
        {},
        el('span', {}, vraagKop(m)),
        knop(null, 'Beantwoorden', 'knop-tweede knop-klein', () => wijzig(m.sleutel)),
      ))),
    );
  }

  function overzichtRegel(moment) {
    const antwoord = staat.antwoorden.get(moment.sleutel);
    const wijzigen = knop(null, antwoord ? 'Wijzigen' : 'Beantwoorden', 'knop-tweede knop-klein', () => wijzig(moment.sleutel));
    wijzigen.setAttribute('aria-label', `${antwoord ? 'Wijzigen' : 'Beantwoorden'}: ${vraagKop(moment)}`);
    return el(
      'li',
      { class: 'regel' },
      el('h2', { class: 'regelkop' }, vraagKop(moment)),
      antwoordWeergave(moment, antwoord),
      wijzigen,
    );
  }

  function antwoordWeergave(moment, antwoord) {
    if (!antwoord) {
      return el('p', { class: moment.vraag.verplicht ? 'leeg verplicht' : 'leeg' }, moment.vraag.verplicht ? 'Nog niet beantwoord' : 'Niet beantwoord');
    }
    const eenheid = antwoord.soort === 'meterstand' ? ` ${moment.vraag.soort.eenheid}` : '';
    const fotos = fotosVan(antwoord);
    return el(
      'div',
      {},
      el('p', { class: 'antwoord behoud' }, woorden(antwoord) + eenheid),
      fotos.length ? el('ul', { class: 'fotos' }, fotos.map((sha, i) => miniatuur(sha, i))) : null,
    );
  }

  function miniatuur(sha, i) {
    const foto = staat.fotos.get(sha);
    return el('li', {}, foto ? el('img', { src: foto.url, alt: `Foto ${i + 1}` }) : el('span', { class: 'geenbeeld' }, `Foto ${i + 1}`));
  }

  function wijzig(sleutel) {
    staat.vanOverzicht = true;
    toonVraag(sleutel);
  }

  /* Screen: signing with a finger. */

  function toonOndertekenen() {
    const vlak = tekenvlak();
    const melding = meldingsregel();
    let bezig = false;

    async function onderteken() {
      if (bezig) return;
      const h = staat.handtekening;
      if (!h.strepen.some((s) => s.length >= 2)) {
        zetFout('Zet eerst uw handtekening met uw vinger.');
        return;
      }
      if (openVragen(staat.vragenlijst, staat.antwoorden).length) {
        zetFout('U heeft nog niet alle verplichte vragen beantwoord. Ga terug naar het overzicht.');
        return;
      }
      bezig = true;
      zetFout('');
      zetEindeBezig(true);
      melding.textContent = 'Uw antwoorden worden ondertekend en verstuurd…';
      try {
        await verklaar({ soort: 'vragenlijst_ondertekend', handtekening: handtekeningVoorVerklaring() });
        staat.ondertekendOm = new Date();
        staat.afgelopen = true;
        stopPollen();
        window.removeEventListener('beforeunload', waarschuwBijVerlaten);
        toonKlaar();
      } catch (fout) {
        zetEindeBezig(false);
        melding.textContent = '';
        toonServerFout(fout);
      } finally {
        bezig = false;
      }
    }

    toon(
      'ondertekenen',
      'Ondertekenen',
      el('p', {}, 'Met uw handtekening verstuurt u uw antwoorden. Daarna kunt u niets meer wijzigen.'),
      el('p', { id: 'handtekening-uitleg', class: 'label' }, 'Zet uw handtekening met uw vinger in het vak.'),
      vlak.element,
      vlak.status,
      knoppen(
        knop('ondertekenen', 'Ondertekenen en versturen', '', onderteken),
        knop('wissen', 'Wissen', 'knop-tweede', vlak.wis),
        knop('terug-overzicht', 'Terug naar het overzicht', 'knop-tweede', toonOverzicht),
      ),
      melding,
    );
    vlak.start();
  }

  function handtekeningVoorVerklaring() {
    const h = staat.handtekening;
    return {
      breedte: h.breedte,
      hoogte: h.hoogte,
      strepen: h.strepen.map((s) => s.map(([x, y]) => [x, y])),
    };
  }

  function aantalPunten() {
    return staat.handtekening.strepen.reduce((som, s) => som + s.length, 0);
  }

  /**
   * The signature canvas: pointer events, strokes of integer [x, y] in canvas CSS pixels (of the
   * size when the first stroke began; later points are scaled to it if the canvas changes size).
   */
  function tekenvlak() {
    const h = staat.handtekening;
    const doek = el('canvas', {
      id: 'handtekening',
      class: 'tekenvlak',
      role: 'img',
      'aria-label': 'Vak voor uw handtekening',
      'aria-describedby': 'handtekening-uitleg',
    });
    const status = el('p', { class: 'hulp', 'aria-live': 'polite' });
    let actief = null;
    let te_veel_gemeld = false;

    function maat() {
      return { w: doek.clientWidth, h: doek.clientHeight };
    }

    function pasAan() {
      const { w, h: hoog } = maat();
      if (!w || !hoog) return;
      const dpr = window.devicePixelRatio || 1;
      doek.width = Math.round(w * dpr);
      doek.height = Math.round(hoog * dpr);
      teken();
    }

    function teken() {
      const ctx = doek.getContext('2d');
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, doek.width, doek.height);
      if (!h.breedte || !h.hoogte) return;
      ctx.setTransform(doek.width / h.breedte, 0, 0, doek.height / h.hoogte, 0, 0);
      ctx.strokeStyle = '#1a1a1a';
      ctx.fillStyle = '#1a1a1a';
      ctx.lineWidth = 2.5;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      for (const streep of h.strepen) tekenStreep(ctx, streep);
    }

    function tekenStreep(ctx, streep) {
      if (streep.length === 1) {
        ctx.beginPath();
        ctx.arc(streep[0][0], streep[0][1], 1.5, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(streep[0][0], streep[0][1]);
      for (const [x, y] of streep.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();
    }

    function punt(e) {
      const rand = doek.getBoundingClientRect();
      const { w, h: hoog } = maat();
      const x = ((e.clientX - rand.left - doek.clientLeft) * h.breedte) / w;
      const y = ((e.clientY - rand.top - doek.clientTop) * h.hoogte) / hoog;
      return [klem(Math.round(x), 0, h.breedte), klem(Math.round(y), 0, h.hoogte)];
    }

    function meld() {
      const goed = h.strepen.some((s) => s.length >= 2);
      status.textContent = goed ? 'U heeft uw handtekening gezet.' : 'Er staat nog geen handtekening in het vak.';
    }

    function omlaag(e) {
      if (actief !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      if (h.strepen.length === 0) {
        const { w, h: hoog } = maat();
        h.breedte = Math.min(MAX_COORDINAAT, Math.round(w));
        h.hoogte = Math.min(MAX_COORDINAAT, Math.round(hoog));
      }
      if (h.strepen.length >= MAX_STREPEN || aantalPunten() >= MAX_PUNTEN) {
        zetFout('De handtekening is te groot. Druk op Wissen en zet hem opnieuw.');
        return;
      }
      actief = e.pointerId;
      if (doek.setPointerCapture) doek.setPointerCapture(e.pointerId);
      h.strepen.push([punt(e)]);
      teken();
    }

    function beweeg(e) {
      if (e.pointerId !== actief) return;
      e.preventDefault();
      const streep = h.strepen[h.strepen.length - 1];
      const reeks = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ev of reeks.length ? reeks : [e]) voegPuntToe(streep, punt(ev));
      teken();
    }

    function voegPuntToe(streep, p) {
      const laatste = streep[streep.length - 1];
      const dx = p[0] - laatste[0];
      const dy = p[1] - laatste[1];
      if (dx * dx + dy * dy < MIN_AFSTAND * MIN_AFSTAND) return;
      if (aantalPunten() >= MAX_PUNTEN) {
        if (!te_veel_gemeld) zetFout('De handtekening is te groot. Druk op Wissen en zet hem opnieuw.');
        te_veel_gemeld = true;
        return;
      }
      streep.push(p);
    }

    function omhoog(e) {
      if (e.pointerId !== actief) return;
      actief = null;
      meld();
    }

    function wis() {
      h.strepen = [];
      h.breedte = 0;
      h.hoogte = 0;
      actief = null;
      te_veel_gemeld = false;
      zetFout('');
      teken();
      meld();
    }

    function start() {
      if (typeof ResizeObserver === 'function') {
        const kijker = new ResizeObserver(() => {
          if (doek.isConnected) pasAan();
        });
        kijker.observe(doek);
      } else {
        window.addEventListener('resize', pasAan);
      }
      requestAnimationFrame(pasAan);
      meld();
    }

    doek.addEventListener('pointerdown', omlaag);
    doek.addEventListener('pointermove', beweeg);
    doek.addEventListener('pointerup', omhoog);
    doek.addEventListener('pointercancel', omhoog);
    doek.addEventListener('lostpointercapture', omhoog);
    return { element: doek, status, wis, start };
  }

  /* Screen: done, with a copy to download. */

  function toonKlaar() {
    const plek = el('div', { class: 'kopieplek' }, el('p', { class: 'melding', 'aria-live': 'polite' }, 'De kopie wordt gemaakt…'));
    toon(
      'klaar',
      'Dank u wel. Uw antwoorden zijn verstuurd.',
      el('p', {}, 'De handhaver ziet uw antwoorden. U hoeft verder niets te doen.'),
      el('p', {}, 'Wilt u bewaren wat u heeft verstuurd? Download dan een kopie. De kopie wordt alleen op uw telefoon bewaard.'),
      plek,
      el('p', {}, 'Daarna kunt u deze pagina sluiten.'),
    );
    maakKopie()
      .then((blob) => {
        const link = el('a', {
          id: 'kopie',
          class: 'knop',
          href: URL.createObjectURL(blob),
          download: 'huisbezoek-kopie.html',
        }, 'Download een kopie');
        plek.replaceChildren(knoppen(link));
      })
      .catch((fout) => {
        console.error(fout);
        plek.replaceChildren(el('p', {}, 'De kopie kon niet worden gemaakt.'));
      });
  }

  function alsDataUrl(blob) {
    return new Promise((klaar, mis) => {
      const lezer = new FileReader();
      lezer.onload = () => klaar(lezer.result);
      lezer.onerror = () => mis(lezer.error);
      lezer.readAsDataURL(blob);
    });
  }

  const KOPIE_STIJL = [
    'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;',
    'line-height:1.5;max-width:48rem;margin:0 auto;padding:1rem;font-size:18px;overflow-wrap:anywhere}',
    'h2{margin-top:2rem;border-top:1px solid #8a8a8a;padding-top:1rem}h3{font-size:1.05rem;margin-bottom:.25rem}',
    '.behoud{white-space:pre-line}.fotos{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}',
    '.fotos img{width:10rem;max-width:100%;height:auto;border:1px solid #8a8a8a}',
    'code,.klein{font-size:.8rem;color:#4a4a4a}svg{width:100%;max-width:36rem;height:auto;border:1px solid #1a1a1a}',
    'table{border-collapse:collapse;width:100%}td,th{border:1px solid #8a8a8a;padding:.25rem;text-align:left;vertical-align:top}',
    'blockquote{margin:0;padding:.5rem 1rem;border-left:4px solid #0b4f8a;background:#f3f6f9}',
  ].join('');

  /** The copy the client keeps: an HTML file built in the browser, with what was submitted. */
  async function maakKopie() {
    const doc = document.implementation.createHTMLDocument('Kopie van uw huisbezoek via de app');
    const d = (tag, eigenschappen, ...kinderen) => elIn(doc, tag, eigenschappen, kinderen);
    d.doc = doc;
    doc.documentElement.setAttribute('lang', 'nl');
    doc.head.prepend(d('meta', { charset: 'utf-8' }));
    doc.head.append(d('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }));
    const om = staat.ondertekendOm || new Date();
    doc.body.append(
      d('h1', {}, 'Kopie van uw huisbezoek via de app'),
      d('p', {}, `Ondertekend en verstuurd op ${datumTijd(om)}.`),
      d('p', {}, 'Dit is een kopie van wat u heeft verstuurd. U heeft deze kopie zelf gemaakt op uw telefoon.'),
      kopieToestemming(d),
      await kopieAntwoorden(d),
      await kopieOudeAntwoorden(d),
      kopieHandtekening(d),
      kopieGegevens(d),
    );
    // The style goes in as text: a <style> element in this document would meet the page's CSP.
    // It is a constant of this file, never user text.
    const html = `<!doctype html>\n${doc.documentElement.outerHTML}\n`
      .replace('</head>', () => `<style>${KOPIE_STIJL}</style></head>`);
    return new Blob([html], { type: 'text/html;charset=utf-8' });
  }

  function kopieToestemming(d) {
    const wanneer = staat.toestemmingOm ? ` op ${datumTijd(staat.toestemmingOm)}` : '';
    return d(
      'section',
      {},
      d('h2', {}, 'Toestemming'),
      d('p', {}, `U heeft toestemming gegeven${wanneer}.`),
      d('p', {}, 'De tekst die u las:'),
      d('blockquote', {}, alineas(staat.toestemming.tekst, d.doc)),
    );
  }

  async function kopieAntwoorden(d) {
    const lijst = huidigeMomenten();
    const regels = [];
    for (const m of lijst) regels.push(await kopieRegel(d, m, staat.antwoorden.get(m.sleutel)));
    return d(
      'section',
      {},
      d('h2', {}, `${staat.vragenlijst.titel || 'Vragenlijst'}: vragen en antwoorden`),
      regels,
    );
  }

  /** Answers sent for questions that are no longer asked (an earlier answer changed). */
  async function kopieOudeAntwoorden(d) {
    const gesteld = new Set(huidigeMomenten().map((m) => m.sleutel));
    const oud = Array.from(staat.antwoorden.keys()).filter((k) => !gesteld.has(k));
    if (!oud.length) return null;
    const regels = [];
    for (const sleutel of oud) {
      const id = sleutel.split('#')[0];
      const vraag = staat.vragenlijst.vragen.find((v) => v.id === id);
      const herhaling = sleutel.includes('#') ? Number(sleutel.split('#')[1]) : null;
      const moment = { sleutel, vraag: vraag || { tekst: sleutel, soort: {} }, herhaling };
      regels.push(await kopieRegel(d, moment, staat.antwoorden.get(sleutel)));
    }
    return d(
      'section',
      {},
      d('h2', {}, 'Antwoorden die niet meer gelden'),
      d('p', {}, 'Deze antwoorden heeft u verstuurd. Door een later antwoord wordt de vraag niet meer gesteld.'),
      regels,
    );
  }

  async function kopieRegel(d, moment, antwoord) {
    const eenheid = antwoord && antwoord.soort === 'meterstand' ? ` ${moment.vraag.soort.eenheid || ''}` : '';
    const fotos = [];
    for (const [i, sha] of fotosVan(antwoord).entries()) fotos.push(await kopieFoto(d, sha, i));
    return d(
      'div',
      {},
      d('h3', {}, vraagKop(moment)),
      d('p', { class: 'behoud' }, antwoord ? woorden(antwoord) + eenheid : 'Niet beantwoord'),
      fotos.length ? d('ul', { class: 'fotos' }, fotos) : null,
    );
  }

  async function kopieFoto(d, sha, i) {
    const foto = staat.fotos.get(sha);
    let beeld = d('p', {}, `Foto ${i + 1}`);
    if (foto) {
      const klein = await herteken(foto.blob, KOPIE_ZIJDE, 0.7);
      beeld = d('img', { src: await alsDataUrl(klein), alt: `Foto ${i + 1}` });
    }
    return d('li', {}, beeld, d('br'), d('code', {}, `SHA-256 ${sha}`));
  }

  function kopieHandtekening(d) {
    const h = staat.handtekening;
    const svg = svgIn(d.doc, 'svg', {
      viewBox: `0 0 ${h.breedte} ${h.hoogte}`,
      width: h.breedte,
      height: h.hoogte,
      role: 'img',
      'aria-label': 'Uw handtekening',
    });
    for (const streep of h.strepen) {
      const pad = streep.length === 1
        ? `M${streep[0][0]} ${streep[0][1]}h0`
        : streep.map(([x, y], i) => `${i ? 'L' : 'M'}${x} ${y}`).join('');
      svg.append(svgIn(d.doc, 'path', {
        d: pad,
        fill: 'none',
        stroke: '#1a1a1a',
        'stroke-width': '2.5',
        'stroke-linecap': 'round',
        'stroke-linejoin': 'round',
      }));
    }
    return d('section', {}, d('h2', {}, 'Uw handtekening'), svg);
  }

  function kopieGegevens(d) {
    const rij = (naam, waarde) => d('tr', {}, d('th', { scope: 'row' }, naam), d('td', {}, d('code', {}, waarde)));
    const verklaringen = staat.verklaringen.map((v) => d(
      'tr',
      {},
      d('td', {}, String(v.n)),
      d('td', {}, soortInWoorden(v.gebeurtenis)),
      d('td', {}, datumTijd(v.om)),
      d('td', {}, d('code', {}, v.handtekening)),
    ));
    return d(
      'section',
      {},
      d('h2', {}, 'Gegevens van de sessie'),
      d('table', {}, d('tbody', {},
        rij('Sessie', staat.sessie),
        rij('Bezoek', staat.bezoek),
        rij('Uw sleutel (publiek, Ed25519)', staat.sleutelHex),
        rij('Vragenlijst', `${staat.vragenlijst.id}, versie ${staat.vragenlijst.versie}`),
        rij('Vingerafdruk van de toestemmingstekst (SHA-256)', staat.toestemming.tekst_hash),
      )),
      d('h3', {}, 'Uw ondertekende verklaringen'),
      d('p', { class: 'klein' }, 'Elke verklaring is ondertekend met uw sleutel hierboven.'),
      d('table', {},
        d('thead', {}, d('tr', {}, d('th', {}, 'Nr.'), d('th', {}, 'Wat'), d('th', {}, 'Wanneer'), d('th', {}, 'Handtekening'))),
        d('tbody', {}, verklaringen)),
    );
  }

  function soortInWoorden(gebeurtenis) {
    switch (gebeurtenis.soort) {
      case 'toestemming_gegeven':
        return 'Toestemming gegeven';
      case 'vraag_beantwoord':
        return `Antwoord op vraag ${gebeurtenis.sleutel}`;
      case 'vragenlijst_ondertekend':
        return 'Ondertekend';
      default:
        return gebeurtenis.soort;
    }
  }

  /* Stopping (withdrawing consent) from any screen after consent. */

  function vraagStoppen() {
    if (!magStoppen() || dom.app.dataset.scherm === 'stoppen') return;
    const terug = { naam: dom.app.dataset.scherm, sectie: dom.scherm.firstElementChild };
    const melding = meldingsregel();
    let bezig = false;

    async function stop() {
      if (bezig || staat.afgelopen) return;
      bezig = true;
      zetFout('');
      zetEindeBezig(true);
      melding.textContent = 'Uw keuze wordt verstuurd…';
      try {
        await verklaar({ soort: 'toestemming_ingetrokken' });
        eindeDoorClient('U bent gestopt. De handhaver is op de hoogte.');
      } catch (fout) {
        zetEindeBezig(false);
        melding.textContent = '';
        toonServerFout(fout);
      } finally {
        bezig = false;
      }
    }

    toon(
      'stoppen',
      'Weet u zeker dat u wilt stoppen?',
      el('p', {}, 'Als u stopt, trekt u uw toestemming in. De rondgang stopt dan meteen.'),
      el('p', {}, 'De antwoorden die u al heeft gegeven, blijven bewaard.'),
      knoppen(
        knop('stoppen-bevestigen', 'Ja, ik wil stoppen', 'knop-stop', stop),
        knop('stoppen-annuleren', 'Nee, ik ga verder', 'knop-tweede', () => plaats(terug.naam, terug.sectie)),
      ),
      melding,
    );
  }

  /* ---------- Start ---------- */

  async function start() {
    dom.app = document.getElementById('app');
    if (!dom.app) return;
    bouwGeraamte();
    const deel = /^\/k\/([^/]+)\/?$/.exec(location.pathname);
    if (!deel) {
      toonEinde('Deze link klopt niet', 'Vraag de handhaver om een nieuwe link.');
      return;
    }
    staat.token = deel[1];
    if (await kanEd25519()) toonCode();
    else toonOngeschikt();
  }

  start();
})();
