// The generated Kotlin bindings on a plain JVM against a live veldwerk-server (started by
// scripts/mobile-tests.sh): enroll, sync, the routekaart under geel and rood, a full visit with
// consent and waarnemingen, its arrival on the server, typed errors, revocation, and the FFI
// cost of recording a waarneming. Ends with the line `N passed, N failed`.

import java.nio.file.Files
import java.security.SecureRandom
import uniffi.veldwerk.*
import veldwerk.testsupport.*

val r = Runner()

fun key(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

fun median(xs: List<Long>): Long = xs.sorted()[xs.size / 2]

/** Records a step after confirming every condition the routekaart lists for it. */
fun Veldwerk.recordConfirmed(zaak: String, visit: String, stap: Stap): Recorded {
    val conditions = checkStep(zaak, visit, stap).decision?.conditions?.map { it.code } ?: emptyList()
    return record(zaak, visit, stap, conditions)
}

/** Takes a visit of `huisbezoek_app` through the door and consent to inside. */
fun Veldwerk.enterWithConsent(zaak: String, visit: String, handhaver: String) {
    recordConfirmed(zaak, visit, Stap.Aanleiding(Actie.HUISBEZOEK_APP, grondslag()))
    recordConfirmed(zaak, visit, Stap.Aankondiging(Aankondigingswijze.ONAANGEKONDIGD, null))
    recordConfirmed(zaak, visit, Stap.AanDeDeur(listOf(handhaver), handhaver, false))
    recordConfirmed(zaak, visit, Stap.LegitimatieEnDoel(true, "Vaststellen van de woonsituatie"))
    val text = nextSteps(zaak, visit).consentText ?: error("no consent text")
    recordConfirmed(zaak, visit, Stap.ToestemmingGevraagd(text.variant, text.tekst, text.hash, AANLEIDING, null))
    recordConfirmed(zaak, visit, Stap.ToestemmingGegeven("bewoner", Rol.BEWONER, Leeftijdsgroep.VOLWASSEN, false))
    recordConfirmed(zaak, visit, Stap.Binnentreden)
}

/** The concrete aanleiding told at the door (seed 001 §3). */
const val AANLEIDING = "Volgens het Inlichtingenbureau woont er een tweede persoon."

fun grondslag() = Grondslag.ConcreteAanwijzing(
    feiten = listOf(
        Feit("Post op dit adres is gericht aan een tweede volwassene (brief van 3 november).", BronSoort.DOSSIER),
        Feit("Het waterverbruik is sinds augustus verdubbeld.", BronSoort.INSTANTIE),
    ),
    geraadpleegdeBronnen = listOf("BRP", "dossier"),
    waaromNietMinderIngrijpend = "De woonsituatie is niet uit registers of het dossier vast te stellen.",
)

class Collect : SyncProgress {
    val steps = mutableListOf<SyncStep>()
    override fun onStep(step: SyncStep) { steps.add(step) }
}

fun main() {
    val server = env("VELDWERK_SERVER")
    val enrollCode = env("VELDWERK_ENROLL_CODE")
    val supervisorPassword = env("VELDWERK_SUPERVISOR_PASSWORD")
    val handhaver = "handhaver1"
    val api = ServerApi(server)
    val dir = Files.createTempDirectory("veldwerk-bindings-test").toString()
    val storageKey = key()
    var vw = Veldwerk.open(dir, storageKey)

    var zaken = listOf<WorklistEntry>()
    var zaak = ""
    var visit = ""

    r.check("a new store has no policy and warns that geel of the VNG table applies") {
        val p = vw.policyStatus()
        expect(!p.installed && p.stale && p.code == Code.GEEL) { "$p" }
        expect(p.warnings.any { it.code == "policy_missing" }) { "${p.warnings}" }
    }

    r.check("a storage key of the wrong length is a typed InvalidInput") {
        val e = expectThrows<VeldwerkException.InvalidInput> { Veldwerk.open(dir + "-x", ByteArray(31)) }
        expect(e.code == "storage_key_invalid") { e.code }
    }

    r.check("recording before enrollment or sync: an unknown zaak is NotFound") {
        val e = expectThrows<VeldwerkException.NotFound> {
            vw.startVisit("Z-bestaat-niet", Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
        }
        expect(e.code == "zaak_unknown") { e.code }
    }

    r.check("an unknown enrollment code is the server's typed Refused (enroll_code_invalid, 401)") {
        val e = expectThrows<VeldwerkException.Refused> { vw.enroll(server, "AAAA-BBBB-CCCC") }
        expect(e.code == "enroll_code_invalid" && e.status.toInt() == 401) { "${e.code} ${e.status}" }
        expect(!vw.isEnrolled()) { "enrolled after a refusal" }
    }

    r.check("enroll with the one-time code pins the organisation and installs its policy") {
        val info = vw.enroll(server, enrollCode)
        expect(info.user == handhaver) { info.user }
        expect(info.organisation.isNotBlank()) { "no organisation" }
        expect(info.policy.installed && info.policy.code == Code.GEEL && !info.policy.stale) { "${info.policy}" }
        expect(vw.deviceId() == info.deviceId && vw.isEnrolled()) { "device id not taken over" }
    }

    r.check("enrolling an enrolled device again is InvalidInput (already_enrolled)") {
        val e = expectThrows<VeldwerkException.InvalidInput> { vw.enroll(server, enrollCode) }
        expect(e.code == "already_enrolled") { e.code }
    }

    r.check("sync brings the assigned zaken, with progress") {
        val progress = Collect()
        val report = vw.sync(progress)
        expect(report.newZaken.size == 2) { "new zaken: ${report.newZaken}" }
        expect(report.rejections.isEmpty()) { "${report.rejections}" }
        // Each round trip: Sending, then Applied, numbered from 1.
        val steps = progress.steps
        expect(steps.isNotEmpty() && steps.size % 2 == 0) { "$steps" }
        steps.chunked(2).forEachIndexed { i, (sent, applied) ->
            expect(sent is SyncStep.Sending && sent.roundTrip == (i + 1).toUInt()) { "$steps" }
            expect(applied is SyncStep.Applied && applied.roundTrip == (i + 1).toUInt()) { "$steps" }
        }
        expect(steps.any { it is SyncStep.Applied && it.newZaken == 2u && it.bytesReceived > 0UL }) { "$steps" }
        zaken = vw.worklist().items
        expect(zaken.size == 2) { "worklist: $zaken" }
    }

    r.check("the worklist is sorted by deadline and says what to do next") {
        val deadlines = zaken.map { it.deadline ?: "9999" }
        expect(deadlines == deadlines.sorted()) { "$deadlines" }
        expect(zaken.all { it.nextStep == "bezoek_starten" && !it.closed }) { "$zaken" }
        zaak = zaken.first().zaakId
    }

    r.check("zaak detail carries the melding's facts and the address, no visits yet") {
        val z = vw.zaakDetail(zaak)
        expect(z.motivatie.isNotBlank() && z.adres.street.isNotBlank()) { "$z" }
        expect(z.visits.isEmpty()) { "${z.visits}" }
    }

    r.check("under geel a huisbezoek by 2 handhavers is allowed, with the checklist") {
        val d = vw.checkAction(Actie.HUISBEZOEK, ActionParams(handhavers = 2u))
        expect(d.allowed && d.reasons.isEmpty()) { "$d" }
        expect(d.conditions.any { it.code == "distance_1_5_m" }) { "${d.conditions}" }
    }

    r.check("under geel 3 handhavers at the door is forbidden with a coded reason") {
        val d = vw.checkAction(Actie.HUISBEZOEK, ActionParams(handhavers = 3u))
        expect(!d.allowed && d.reasons.any { it.code == "max_handhavers_exceeded" }) { "$d" }
    }

    var geelSpreekkamer: Decision? = null
    r.check("under geel the spreekkamer is allowed, with its conditions") {
        val d = vw.checkAction(Actie.SPREEKKAMER, ActionParams(coronaproof = true))
        expect(d.allowed && d.conditions.isNotEmpty()) { "$d" }
        geelSpreekkamer = d
    }

    r.check("the supervisor switches to rood; the next sync installs the new policy") {
        api.signIn("supervisor", supervisorPassword)
        api.setCode("rood", "Landelijke lockdown (test van de mobiele koppeling)")
        expect(api.activeCode() == "rood") { "server code not rood" }
        val before = vw.policyStatus().version
        val report = vw.sync(Collect())
        expect(report.policyUpdated != null && report.policyUpdated!! > before) { "$report" }
        val p = vw.policyStatus()
        expect(p.code == Code.ROOD && p.installed && !p.stale) { "$p" }
    }

    r.check("under rood the spreekkamer is forbidden, with reasons") {
        val d = vw.checkAction(Actie.SPREEKKAMER, ActionParams(coronaproof = true))
        expect(!d.allowed && d.reasons.any { it.code == "face_to_face_not_possible" }) { "$d" }
        expect(geelSpreekkamer?.allowed == true) { "under geel it was not allowed: $geelSpreekkamer" }
    }

    r.check("under rood starting a physical huisbezoek is a typed Forbidden") {
        val e = expectThrows<VeldwerkException.Forbidden> {
            vw.startVisit(zaak, Actie.HUISBEZOEK, ActionParams(handhavers = 2u))
        }
        expect(e.code == "actie_verboden" && e.reasons.isNotEmpty()) { "${e.code} ${e.reasons}" }
    }

    r.check("under rood a huisbezoek via the app by 1 handhaver starts") {
        visit = vw.startVisit(zaak, Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
        val p = vw.nextSteps(zaak, visit)
        expect(p.fase == Fase.NIEUW && p.nextSteps.contains(Stapsoort.AANLEIDING)) { "$p" }
        expect(!p.nextSteps.contains(Stapsoort.BINNENTREDEN)) { "entry offered before consent: ${p.nextSteps}" }
    }

    r.check("entering before consent is an impossible transition: typed Protocol error") {
        val e = expectThrows<VeldwerkException.Protocol> { vw.record(zaak, visit, Stap.Binnentreden, listOf()) }
        expect(e.code.isNotBlank() && e.detail.isNotBlank()) { "${e.code} ${e.detail}" }
    }

    r.check("desk steps need no conditions; a door step without them is ConditionsNotConfirmed") {
        vw.record(zaak, visit, Stap.Aanleiding(Actie.HUISBEZOEK_APP, grondslag()), listOf())
        vw.record(zaak, visit, Stap.Aankondiging(Aankondigingswijze.ONAANGEKONDIGD, null), listOf())
        val e = expectThrows<VeldwerkException.ConditionsNotConfirmed> {
            vw.record(zaak, visit, Stap.AanDeDeur(listOf(handhaver), handhaver, false), listOf())
        }
        expect(e.missing.isNotEmpty()) { "no missing conditions" }
    }

    var firstWaarneming = ""
    r.check("a full visit: grondslag, door, consent with the exact text, entry, waarnemingen") {
        vw.recordConfirmed(zaak, visit, Stap.AanDeDeur(listOf(handhaver), handhaver, false))
        vw.recordConfirmed(zaak, visit, Stap.LegitimatieEnDoel(true, "Vaststellen van de woonsituatie"))
        val p = vw.nextSteps(zaak, visit)
        expect(p.consentVariant == Variant.A) { "concrete aanwijzing needs text A: $p" }
        val text = consentText(Variant.A, Actie.HUISBEZOEK_APP)
        expect(text.tekst.contains("weigeren") && text.hash.length == 64) { "$text" }
        val wrongHash = expectThrows<VeldwerkException.Protocol> {
            vw.recordConfirmed(zaak, visit, Stap.ToestemmingGevraagd(Variant.A, text.tekst, "0".repeat(64), AANLEIDING, null))
        }
        expect(wrongHash.code.isNotBlank()) { "no code" }
        // Seed 001 §3: the aanleiding told at the door is recorded with the consent.
        val noReason = expectThrows<VeldwerkException.Protocol> {
            vw.recordConfirmed(zaak, visit, Stap.ToestemmingGevraagd(text.variant, text.tekst, text.hash, " ", null))
        }
        expect(noReason.code == "veld_leeg") { noReason.code }
        vw.recordConfirmed(zaak, visit, Stap.ToestemmingGevraagd(text.variant, text.tekst, text.hash, AANLEIDING, null))
        vw.recordConfirmed(zaak, visit, Stap.ToestemmingGegeven("bewoner", Rol.BEWONER, Leeftijdsgroep.VOLWASSEN, false))
        vw.recordConfirmed(zaak, visit, Stap.Binnentreden)
        val w1 = vw.recordConfirmed(zaak, visit, Stap.Waarneming("woonkamer", "Twee jassen aan de kapstok; twee tandenborstels in de badkamer.", null, false, null))
        firstWaarneming = w1.entryId
        val w2 = vw.recordConfirmed(zaak, visit, Stap.Waarneming("slaapkamer", "Vermoedelijk slaapt hier een tweede persoon.", null, false, null))
        expect(w1.textWarnings.isEmpty()) { "factual text warned: ${w1.textWarnings}" }
        expect(w2.textWarnings.any { it.code == "speculatief_taalgebruik" && it.veld == "tekst" }) { "${w2.textWarnings}" }
    }

    r.check("a photo needs its own consent; with it the waarneming references the stored blob") {
        val photo = "jpeg-bytes-of-a-test-photo".toByteArray()
        val blob = vw.putPhoto(zaak, photo)
        expectThrows<VeldwerkException.Protocol> {
            vw.recordConfirmed(zaak, visit, Stap.Waarneming("keuken", "Twee borden op het aanrecht.", blob, false, null))
        }
        vw.recordConfirmed(zaak, visit, Stap.ExtraToestemming(ExtraOnderwerp.FOTOS, null, "bewoner", Rol.BEWONER, true))
        vw.recordConfirmed(zaak, visit, Stap.Waarneming("keuken", "Twee borden op het aanrecht.", blob, false, null))
    }

    r.check("correction, closing and a rapport with factual-language warnings") {
        vw.recordConfirmed(zaak, visit, Stap.Correctie(firstWaarneming, "Eén jas aan de kapstok, niet twee."))
        vw.recordConfirmed(zaak, visit, Stap.Afsluiting(null))
        val rapport = vw.recordConfirmed(
            zaak, visit,
            Stap.Rapport(
                "In de woonkamer hingen twee jassen; waarschijnlijk woont er een tweede persoon.",
                listOf(Ondertekenaar(handhaver, Ambtsverklaring.AMBTSEED)),
            ),
        )
        expect(rapport.textWarnings.isNotEmpty()) { "no warning on a speculative rapport" }
        expect(textWarnings("Op de deurbel staan twee namen.").isEmpty()) { "factual text warned" }
        val p = vw.nextSteps(zaak, visit)
        expect(p.fase == Fase.GERAPPORTEERD) { "$p" }
    }

    r.check("the visit reads back intact: every entry verifies and carries code rood") {
        val v = vw.zaakDetail(zaak).visits.single()
        expect(v.intact && v.entries.all { it.verification == "ok" }) { "${v.entries.map { it.verification }}" }
        expect(v.entries.size == 14) { "entries: ${v.entries.size}" }
        expect(v.entries.all { it.code == Code.ROOD }) { "codes: ${v.entries.map { it.code }}" }
        expect(v.entries.any { it.soort == Stapsoort.TOESTEMMING_GEVRAAGD }) { "no consent entry" }
    }

    r.check("sync sends the visit; the server checks and acknowledges all of it") {
        val before = vw.worklist().items.first { it.zaakId == zaak }
        expect(before.unsyncedEntries == 14u) { "unsynced before: $before" }
        val report = vw.sync(Collect())
        expect(report.rejections.isEmpty()) { "rejected: ${report.rejections}" }
        expect(report.docsSent.toInt() >= 1) { "$report" }
        // Acknowledged only after the server verified signatures, chain, actor and assignment.
        expect(report.entriesSent == 14UL && report.unsyncedEntries == 0UL) { "$report" }
        val row = vw.worklist().items.first { it.zaakId == zaak }
        expect(row.unsyncedEntries == 0u) { "still unsynced: $row" }
        val again = vw.sync(Collect())
        expect(again.rejections.isEmpty() && again.entriesSent == 0UL && again.unsyncedEntries == 0UL) { "$again" }
    }

    r.check("on the server (supervisor API) nothing of this visit is flagged: recorded under the active code") {
        val flags = api.flagsJson()
        expect(!flags.contains(visit)) { "flagged: $flags" }
    }

    r.check("under rood a visit is broken off with a reason: no conditions, the visit ends (issue 14)") {
        val v = vw.startVisit(zaak, Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
        vw.recordConfirmed(zaak, v, Stap.Aanleiding(Actie.HUISBEZOEK_APP, grondslag()))
        expect(vw.nextSteps(zaak, v).nextSteps.contains(Stapsoort.BEZOEK_AFGEBROKEN)) { "afbreken not offered" }
        val stap = Stap.BezoekAfgebroken("Handhaver weggeroepen voor een spoedgeval.")
        expect(vw.checkStep(zaak, v, stap).decision == null) { "the routekaart governs afbreken" }
        expectThrows<VeldwerkException.Protocol> { vw.record(zaak, v, Stap.BezoekAfgebroken(" "), listOf()) }
        vw.record(zaak, v, stap, listOf())
        val p = vw.nextSteps(zaak, v)
        expect(p.fase == Fase.BEEINDIGD && p.einde == "afgebroken") { "$p" }
    }

    // FFI cost: the same facade call from Kotlin as the Rust bench makes from Rust.
    r.check("FFI overhead of recording a waarneming (Kotlin side)") {
        val other = zaken.last().zaakId
        val v = vw.startVisit(other, Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
        vw.enterWithConsent(other, v, handhaver)
        val stap = Stap.Waarneming("woonkamer", "Een bank, een tafel en twee stoelen.", null, false, null)
        val conditions = vw.checkStep(other, v, stap).decision?.conditions?.map { it.code } ?: emptyList()
        // JIT warm-up of the same lowering and call path without writing: checkStep takes the
        // same Stap. Then 30 real records, then the 300 timed ones.
        repeat(2000) { vw.checkStep(other, v, stap) }
        repeat(30) { vw.record(other, v, stap, conditions) }
        val times = (1..300).map {
            val t0 = System.nanoTime()
            vw.record(other, v, stap, conditions)
            System.nanoTime() - t0
        }
        val checks = (1..5000).map {
            val t0 = System.nanoTime()
            vw.checkAction(Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
            System.nanoTime() - t0
        }.drop(3000)
        println("bench kotlin record_waarneming median_us=${median(times) / 1000.0} n=300")
        println("bench kotlin check_action median_us=${median(checks) / 1000.0} n=2000")
    }

    r.check("a wrong storage key is a typed WrongKey (wrong_key); the right one still opens") {
        vw.close()
        val e = expectThrows<VeldwerkException.WrongKey> { Veldwerk.open(dir, key()) }
        expect(e.code == "wrong_key" && e.detail.isNotBlank()) { "${e.code} ${e.detail}" }
        vw = Veldwerk.open(dir, storageKey)
        expect(vw.worklist().items.size == 2) { "zaken lost after reopening" }
    }

    r.check("revoked by the supervisor: the next sync wipes the device, a typed Revoked") {
        api.revokeDevice(vw.deviceId())
        val e = expectThrows<VeldwerkException.Revoked> { vw.sync(Collect()) }
        expect(e.code == "device_revoked" && e.wiped) { "${e.code} wiped=${e.wiped}" }
        val closed = expectThrows<VeldwerkException.Closed> { vw.worklist() }
        expect(closed.code == "store_closed") { closed.code }
        vw.close()
        val left = java.io.File(dir).list()?.toList() ?: emptyList()
        expect(left.isEmpty()) { "files left after the wipe: $left" }
    }

    r.check("wipe erases the store; every later call is Closed") {
        val again = Veldwerk.open(dir, storageKey)
        expect(again.worklist().items.isEmpty() && !again.isEnrolled()) { "data survived the revocation" }
        again.wipe()
        val e = expectThrows<VeldwerkException.Closed> { again.worklist() }
        expect(e.code == "store_closed") { e.code }
        again.close()
        val fresh = Veldwerk.open(dir, storageKey)
        expect(fresh.worklist().items.isEmpty() && !fresh.isEnrolled()) { "data survived the wipe" }
        fresh.close()
    }

    r.finish()
}
