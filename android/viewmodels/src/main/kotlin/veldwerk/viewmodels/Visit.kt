// The visit screen, guided by the protocol: it offers only the steps `next_steps` returns,
// shows the exact consent text when consent is next, and asks for the routekaart's checklist
// before each step. Entering before consent is never offered (and the core refuses it).
package veldwerk.viewmodels

import uniffi.veldwerk.ConsentText
import uniffi.veldwerk.Fase
import uniffi.veldwerk.Stap
import uniffi.veldwerk.Stapsoort
import uniffi.veldwerk.TextWarning
import uniffi.veldwerk.VeldwerkInterface

class VisitViewModel(private val vw: VeldwerkInterface, val zaakId: String, val visitId: String) {
    data class State(
        val fase: Fase,
        val faseLabel: String,
        val offered: List<Stapsoort>,
        /** The exact text to show when consent is to be asked (with its hash, recorded too). */
        val consent: ConsentText?,
        val warnings: List<String>,
        val ended: Boolean,
    ) {
        val canEnter: Boolean get() = Stapsoort.BINNENTREDEN in offered
    }

    /**
     * A step waiting for its checklist to be confirmed, with the factual-language warnings on
     * its texts: shown before signing, to edit the text or to sign anyway on purpose.
     */
    data class Pending(val stap: Stap, val checklist: Checklist, val textWarnings: List<TextWarning> = emptyList())

    val state = Observable<State?>(null)
    val pending = Observable<Pending?>(null)
    val problem = Observable<Problem?>(null)
    val lastWarnings = Observable<List<TextWarning>>(emptyList())

    fun refresh() {
        attempt { vw.nextSteps(zaakId, visitId) }.fold(
            onSuccess = { p ->
                val consent = if (Stapsoort.TOESTEMMING_GEVRAAGD in p.nextSteps) p.consentText else null
                state.value = State(
                    fase = p.fase,
                    faseLabel = Labels.fase(p.fase),
                    offered = p.nextSteps,
                    consent = consent,
                    warnings = p.warnings.map { it.message },
                    ended = p.einde != null,
                )
            },
            onFailure = { problem.value = it.problem },
        )
    }

    /**
     * The step the app would record for asking consent: exactly the text it showed, and the
     * concrete aanleiding the handhaver told at the door (seed 001 §3; the core refuses it blank).
     */
    fun consentStep(aanleiding: String): Stap? =
        state.value?.consent?.let { Stap.ToestemmingGevraagd(it.variant, it.tekst, it.hash, aanleiding, null) }

    /**
     * Prepares a step: refused at once when the protocol does not offer it now; otherwise the
     * routekaart's checklist for it is shown (an empty one records at once on [confirmAndRecord]).
     */
    fun prepare(stap: Stap): Boolean {
        val soort = soortOf(stap)
        val offered = state.value?.offered ?: emptyList()
        if (soort !in offered) {
            problem.value = Problem("stap_niet_aangeboden", "${Labels.stap(soort)} kan nu niet: het protocol biedt deze stap nu niet aan.")
            return false
        }
        return attempt { vw.checkStep(zaakId, visitId, stap) }.fold(
            onSuccess = { check ->
                val d = check.decision
                if (d != null && !d.allowed) {
                    problem.value = Problem("actie_verboden", "De routekaart staat dit nu niet toe.", d.reasons.map { it.message })
                    pending.value = null
                    false
                } else {
                    pending.value = Pending(stap, Checklist(d?.conditions ?: emptyList()), check.textWarnings)
                    problem.value = null
                    true
                }
            },
            onFailure = { problem.value = it.problem; false },
        )
    }

    fun confirm(code: String, on: Boolean = true) {
        val p = pending.value ?: return
        p.checklist.toggle(code, on)
        pending.value = p.copy()
    }

    /**
     * Records the prepared step with the confirmed conditions; refreshes the offered steps. A
     * step whose texts have open factual-language warnings is signed only with
     * [ondanksWaarschuwingen]: edit the text and prepare it again, or sign it as it is on purpose.
     */
    fun confirmAndRecord(ondanksWaarschuwingen: Boolean = false): Boolean {
        val p = pending.value ?: return false
        if (!p.checklist.complete) {
            problem.value = Problem("voorwaarden_niet_bevestigd", "Bevestig eerst alle voorwaarden van de routekaart.")
            return false
        }
        if (p.textWarnings.isNotEmpty() && !ondanksWaarschuwingen) {
            problem.value = Problem(
                "taalwaarschuwingen_open",
                "De tekst heeft nog waarschuwingen over feitelijk taalgebruik. Pas de tekst aan, of onderteken hem bewust zoals hij is.",
                p.textWarnings.map { "${it.message} (“${it.matched}” → ${it.suggestion})" },
            )
            return false
        }
        return attempt { vw.record(zaakId, visitId, p.stap, p.checklist.confirmedCodes()) }.fold(
            onSuccess = { r ->
                lastWarnings.value = r.textWarnings
                pending.value = null
                problem.value = null
                refresh()
                true
            },
            onFailure = { problem.value = it.problem; refresh(); false },
        )
    }

    companion object {
        fun soortOf(stap: Stap): Stapsoort = when (stap) {
            is Stap.Aanleiding -> Stapsoort.AANLEIDING
            is Stap.Aankondiging -> Stapsoort.AANKONDIGING
            is Stap.AanDeDeur -> Stapsoort.AAN_DE_DEUR
            is Stap.NiemandAanwezig -> Stapsoort.NIEMAND_AANWEZIG
            is Stap.NietInStaat -> Stapsoort.NIET_IN_STAAT
            is Stap.LegitimatieEnDoel -> Stapsoort.LEGITIMATIE_EN_DOEL
            is Stap.ToestemmingGevraagd -> Stapsoort.TOESTEMMING_GEVRAAGD
            is Stap.ToestemmingGegeven -> Stapsoort.TOESTEMMING_GEGEVEN
            is Stap.ToestemmingGeweigerd -> Stapsoort.TOESTEMMING_GEWEIGERD
            Stap.Binnentreden -> Stapsoort.BINNENTREDEN
            is Stap.ToestemmingIngetrokken -> Stapsoort.TOESTEMMING_INGETROKKEN
            is Stap.ExtraToestemming -> Stapsoort.EXTRA_TOESTEMMING
            is Stap.Waarneming -> Stapsoort.WAARNEMING
            is Stap.Correctie -> Stapsoort.CORRECTIE
            is Stap.Afsluiting -> Stapsoort.AFSLUITING
            is Stap.Rapport -> Stapsoort.RAPPORT
            is Stap.UitnodigingBespreking -> Stapsoort.UITNODIGING_BESPREKING
            is Stap.BezoekAfgebroken -> Stapsoort.BEZOEK_AFGEBROKEN
            is Stap.ToestemmingsconflictBeslecht -> Stapsoort.TOESTEMMINGSCONFLICT_BESLECHT
            is Stap.WaarnemingTerPlaatseGestart -> Stapsoort.WAARNEMING_TER_PLAATSE_GESTART
            is Stap.WaarnemingTerPlaatse -> Stapsoort.WAARNEMING_TER_PLAATSE
            is Stap.GesprekGestart -> Stapsoort.GESPREK_GESTART
            is Stap.Internetonderzoek -> Stapsoort.INTERNETONDERZOEK
            is Stap.VraagBeantwoord -> Stapsoort.VRAAG_BEANTWOORD
            is Stap.VragenlijstOndertekend -> Stapsoort.VRAGENLIJST_ONDERTEKEND
        }
    }
}
