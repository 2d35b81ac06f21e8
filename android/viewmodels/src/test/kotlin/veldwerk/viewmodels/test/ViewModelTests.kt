// The view-models on the JVM against the real bindings and a live veldwerk-server (started by
// scripts/mobile-tests.sh). Ends with the line `N passed, N failed`.
package veldwerk.viewmodels.test

import java.nio.file.Files
import java.security.SecureRandom
import java.time.LocalDate
import uniffi.veldwerk.*
import veldwerk.testsupport.*
import veldwerk.viewmodels.*

class MemoryKeys : StorageKeyProvider {
    private var key: ByteArray? = null
    var deleted = false
    override fun key(): ByteArray = key ?: ByteArray(32).also { SecureRandom().nextBytes(it); key = it }
    override fun delete() { key = null; deleted = true }
}

fun main() {
    val r = Runner()
    val server = env("VELDWERK_SERVER")
    val api = ServerApi(server)
    api.signIn("supervisor", env("VELDWERK_SUPERVISOR_PASSWORD"))
    // Start from geel whatever ran before; the tests switch to rood themselves.
    api.setCode("geel", "Terug naar waakzaam (view-model test)")
    val dir = Files.createTempDirectory("veldwerk-viewmodels-test").toString()
    val keys = MemoryKeys()
    val setup = SetupViewModel(dir, keys)
    lateinit var vw: VeldwerkInterface

    r.check("setup opens the store with the keystore's key and asks for enrollment") {
        vw = setup.open() ?: error("not opened: ${setup.state.value}")
        expect(setup.state.value is SetupViewModel.State.NeedsEnrollment) { "${setup.state.value}" }
    }

    r.check("a wrong enrollment code shows the server's coded refusal") {
        setup.enroll(server, "AAAA-BBBB-CCCC")
        val s = setup.state.value
        expect(s is SetupViewModel.State.Failed && s.problem.code == "enroll_code_invalid") { "$s" }
    }

    r.check("enrollment makes the device ready") {
        setup.enroll(server, env("VELDWERK_ENROLL_CODE"))
        val s = setup.state.value
        expect(s is SetupViewModel.State.Ready && s.organisation != null) { "$s" }
    }

    val banner = PolicyBannerViewModel(vw)
    r.check("the banner shows the server's active code and a fresh policy") {
        banner.refresh()
        val b = banner.banner.value ?: error("no banner")
        expect(b.code == Code.GEEL && api.activeCode() == "geel") { "${b.code} vs ${api.activeCode()}" }
        expect(!b.stale && b.age == "zojuist gesynchroniseerd" && b.title.startsWith("Code ")) { "$b" }
    }

    var wiped = false
    val sync = SyncViewModel(vw) { wiped = true }
    r.check("sync runs with progress and reports the new zaken") {
        val seen = mutableListOf<SyncViewModel.State>()
        val stop = sync.state.observe { seen.add(it) }
        sync.sync()
        stop()
        val s = sync.state.value
        expect(s is SyncViewModel.State.Done && s.report.newZaken.size == 2) { "$s" }
        expect(seen.any { it is SyncViewModel.State.Running && it.roundTrip >= 1 }) { "no progress: $seen" }
        expect(sync.steps.last() is SyncStep.Applied && sync.steps.first() is SyncStep.Sending && !wiped) { "${sync.steps}" }
        expect((s as SyncViewModel.State.Done).summary.contains("2 nieuwe zaken")) { s.summary }
    }

    val worklist = WorklistViewModel(vw) { LocalDate.of(2000, 1, 1) }
    r.check("the worklist is sorted by deadline and labels the next step in Dutch") {
        worklist.refresh()
        val rows = worklist.rows.value
        expect(rows.size == 2) { "$rows" }
        // The first device's rapport closed one zaak: open zaken come first, each group by deadline.
        val order = rows.map { (if (it.closed) "1" else "0") + (it.deadline ?: "9999") }
        expect(order == order.sorted()) { "$order" }
        expect(rows.none { it.overdue }) { "overdue in 2000: $rows" }
        expect(rows.all { it.nextStep.isNotBlank() && !it.nextStep.contains('_') }) { "raw step codes: $rows" }
    }

    r.check("the sort puts open zaken first, then the earliest deadline, none last") {
        fun e(id: String, deadline: String?, closed: Boolean) = WorklistEntry(id, id, "s", "bezoek_starten", deadline, 0u, closed, 0)
        val sorted = WorklistViewModel.sorted(
            listOf(e("c", "2026-01-01", true), e("b", null, false), e("a", "2026-12-01", false), e("d", "2026-11-01", false)),
        ).map { it.zaakId }
        expect(sorted == listOf("d", "a", "b", "c")) { "$sorted" }
    }

    r.check("the routekaart check shows reasons for a forbidden action and a checklist otherwise") {
        val check = RoutekaartCheckViewModel(vw)
        api.setCode("rood", "Lockdown (view-model test)")
        sync.sync()
        check.check(Actie.SPREEKKAMER, ActionParams(coronaproof = true))
        expect(!check.state.value.allowed && check.state.value.reasons.isNotEmpty()) { "${check.state.value}" }
        check.check(Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u))
        val s = check.state.value
        expect(s.allowed && s.checklist.items.isNotEmpty() && !s.mayProceed) { "$s" }
        s.checklist.items.forEach { check.confirm(it.code) }
        expect(check.state.value.mayProceed) { "checklist complete but may not proceed" }
        banner.refresh()
        expect(banner.banner.value?.code == Code.ROOD) { "${banner.banner.value}" }
    }

    val zaakId = worklist.rows.value.lastOrNull()?.zaakId ?: ""
    val zaak = ZaakViewModel(vw, zaakId)
    var visitId = ""
    r.check("under rood the zaak offers only the huisbezoek via the app, and says why") {
        zaak.refresh()
        val s = zaak.state.value ?: error("${zaak.problem.value}")
        expect(s.startable.map { it.first } == listOf(Actie.HUISBEZOEK_APP)) { "${s.startable}" }
        expect(s.huisbezoekBlocked.isNotEmpty()) { "no reason given" }
        visitId = zaak.startVisit(Actie.HUISBEZOEK_APP, ActionParams(handhavers = 1u)) ?: error("${zaak.problem.value}")
    }

    val visit = VisitViewModel(vw, zaakId, visitId)
    r.check("the visit offers only what the protocol allows: no entry before consent") {
        visit.refresh()
        val s = visit.state.value ?: error("${visit.problem.value}")
        expect(s.offered.contains(Stapsoort.AANLEIDING) && !s.canEnter) { "$s" }
        expect(!visit.prepare(Stap.Binnentreden)) { "entry prepared before consent" }
        expect(visit.problem.value?.code == "stap_niet_aangeboden") { "${visit.problem.value}" }
    }

    fun step(stap: Stap) {
        check(visit.prepare(stap)) { "not prepared: ${visit.problem.value}" }
        visit.pending.value!!.checklist.items.forEach { visit.confirm(it.code) }
        check(visit.confirmAndRecord()) { "not recorded: ${visit.problem.value}" }
    }

    r.check("a desk step asks no door conditions") {
        val g = Grondslag.TwijfelZonderAanwijzing("Cliënt verscheen twee keer niet op een afspraak.", "Telefonisch en per brief contact gezocht, zonder antwoord.")
        expect(visit.prepare(Stap.Aanleiding(Actie.HUISBEZOEK_APP, g))) { "${visit.problem.value}" }
        expect(visit.pending.value!!.checklist.items.isEmpty()) { "door conditions for the aanleiding" }
        expect(visit.confirmAndRecord()) { "${visit.problem.value}" }
    }

    r.check("doubt without aanwijzing: an unannounced visit is refused by the protocol") {
        expect(visit.prepare(Stap.Aankondiging(Aankondigingswijze.ONAANGEKONDIGD, null))) { "${visit.problem.value}" }
        visit.pending.value!!.checklist.items.forEach { visit.confirm(it.code) }
        expect(!visit.confirmAndRecord() && visit.problem.value != null) { "unannounced visit recorded" }
    }

    r.check("consent is asked with the exact text variant B; then entry is offered") {
        step(Stap.Aankondiging(Aankondigingswijze.AANGEKONDIGD, "Brief van 10 november"))
        // At the door the routekaart's checklist must be confirmed before the step records.
        expect(visit.prepare(Stap.AanDeDeur(listOf("handhaver1"), "handhaver1", false))) { "${visit.problem.value}" }
        expect(visit.pending.value!!.checklist.items.isNotEmpty()) { "empty checklist at the door under rood" }
        expect(!visit.confirmAndRecord() && visit.problem.value?.code == "voorwaarden_niet_bevestigd") { "${visit.problem.value}" }
        visit.pending.value!!.checklist.items.forEach { visit.confirm(it.code) }
        expect(visit.confirmAndRecord()) { "${visit.problem.value}" }
        step(Stap.LegitimatieEnDoel(true, "Vaststellen van de woonsituatie"))
        val consent = visit.state.value?.consent ?: error("no consent text offered")
        expect(consent.variant == Variant.B && consent.tekst.contains("geen directe gevolgen")) { "$consent" }
        expect(visit.state.value?.canEnter == false) { "entry offered before consent" }
        // Seed 001 §3: without the aanleiding told at the door the consent step is refused.
        expect(visit.prepare(visit.consentStep(" ")!!)) { "${visit.problem.value}" }
        visit.pending.value!!.checklist.items.forEach { visit.confirm(it.code) }
        expect(!visit.confirmAndRecord() && visit.problem.value?.code == "veld_leeg") { "${visit.problem.value}" }
        step(visit.consentStep("Wij twijfelen of u alleen op dit adres woont.")!!)
        // Seed 001 §2: a lodger's refusal closes only the lodger's own room; the visit goes on.
        step(Stap.ToestemmingGeweigerd("kamerbewoner", Rol.MEDEBEWONER, false, Leeftijdsgroep.VOLWASSEN, false, listOf("zolderkamer")))
        expect(visit.state.value?.canEnter == false && visit.state.value?.ended == false) { "${visit.state.value}" }
        step(Stap.ToestemmingGegeven("bewoner", Rol.BEWONER, Leeftijdsgroep.VOLWASSEN, false))
        expect(visit.state.value?.canEnter == true) { "entry not offered after consent" }
        step(Stap.Binnentreden)
    }

    var tourEntries = 0
    r.check("klantmodus: the client answers every question and signs; only the handhaver's code unlocks") {
        val klant = KlantmodusViewModel(vw, zaakId, visitId, "bewoner")
        expect(!klant.handOver("12") && klant.problem.value?.code == "ontgrendelcode_te_kort") { "${klant.problem.value}" }
        expect(klant.handOver("4711") && klant.locked.value) { "${klant.problem.value}" }
        val locked = expectThrows<VeldwerkException.Protocol> { vw.worklist() }
        expect(locked.code == "klantmodus_actief") { locked.code }
        expect(klant.state.value?.maySign == false) { "${klant.state.value}" }
        var n = 0
        while (true) {
            val q = klant.state.value?.huidige ?: break
            val a = when (q.soort) {
                "ja_nee" -> Antwoord.JaNee(false)
                "getal" -> Antwoord.Getal(maxOf(q.min ?: 0L, 1L))
                "keuze" -> Antwoord.Keuze(listOf(q.opties.first()))
                "tekst" -> Antwoord.Tekst("Ik woon hier alleen.")
                "foto" -> Antwoord.Fotos((0 until maxOf((q.min ?: 1L).toInt(), 1)).map { klant.photo("foto $n.$it".toByteArray())!! })
                else -> Antwoord.Meterstand("01234", klant.photo("meter $n".toByteArray())!!)
            }
            expect(klant.answer(q.sleutel, a)) { "${q.sleutel}: ${klant.problem.value}" }
            n++
            check(n < 60) { "the tour never ends" }
        }
        tourEntries = n
        expect(klant.state.value?.maySign == true) { "${klant.state.value}" }
        fun p(x: Int, y: Int) = Punt(x.toUShort(), y.toUShort())
        val handtekening = Handtekening(320.toUShort(), 160.toUShort(), listOf(listOf(p(20, 80), p(90, 40), p(200, 120))))
        expect(klant.sign(handtekening)) { "${klant.problem.value}" }
        tourEntries++
        expect(klant.state.value?.ondertekend == true && klant.state.value?.mayAnswer == false) { "${klant.state.value}" }
        expect(!klant.unlock("0000") && klant.problem.value?.code == "ontgrendelcode_onjuist") { "${klant.problem.value}" }
        expect(klant.unlock("4711") && !klant.locked.value) { "${klant.problem.value}" }
        expect(vw.worklist().items.isNotEmpty()) { "worklist not back after unlocking" }
        visit.refresh()
    }

    r.check("waarnemingen, closing and rapport; factual warnings surface") {
        step(Stap.Waarneming("woonkamer", "Eén bank en één bed.", null, false, null))
        expect(visit.lastWarnings.value.isEmpty()) { "${visit.lastWarnings.value}" }
        // Issue 15: the warnings are shown before signing; signing with them open is a choice.
        val speculative = Stap.Waarneming("badkamer", "Blijkbaar woont hier nog iemand.", null, false, null)
        expect(visit.prepare(speculative)) { "${visit.problem.value}" }
        expect(visit.pending.value!!.textWarnings.any { it.matched.lowercase() == "blijkbaar" }) { "${visit.pending.value}" }
        visit.pending.value!!.checklist.items.forEach { visit.confirm(it.code) }
        expect(!visit.confirmAndRecord() && visit.problem.value?.code == "taalwaarschuwingen_open") { "${visit.problem.value}" }
        expect(visit.confirmAndRecord(ondanksWaarschuwingen = true)) { "${visit.problem.value}" }
        expect(visit.lastWarnings.value.isNotEmpty()) { "no warning" }
        step(Stap.Afsluiting(null))
        step(Stap.Rapport("In de woonkamer stonden één bank en één bed.", listOf(Ondertekenaar("handhaver1", Ambtsverklaring.AMBTSBELOFTE))))
        expect(visit.state.value?.fase == Fase.GERAPPORTEERD && visit.state.value?.ended == true) { "${visit.state.value}" }
    }

    r.check("the visit syncs and the server acknowledges it; the zaak screen shows it intact") {
        sync.sync()
        val s = sync.state.value
        expect(s is SyncViewModel.State.Done && s.report.rejections.isEmpty() && s.report.entriesSent > 0UL && s.report.unsyncedEntries == 0UL) { "$s" }
        val summary = (s as SyncViewModel.State.Done).summary
        expect(summary.contains("vastleggingen verstuurd")) { summary }
        zaak.refresh()
        val v = zaak.state.value!!.visits.first { it.visitId == visitId }
        expect(v.intact && v.entries == 12 + tourEntries) { "$v" }
    }

    r.check("wipe deletes the store and the key") {
        setup.wipe()
        expect(keys.deleted && setup.state.value is SetupViewModel.State.Closed) { "${setup.state.value}" }
        val e = expectThrows<VeldwerkException.Closed> { vw.worklist() }
        expect(e.code == "store_closed") { e.code }
    }

    r.finish()
}
