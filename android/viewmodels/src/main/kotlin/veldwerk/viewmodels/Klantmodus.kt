// Klantmodus (issue 16 §4): the handhaver hands the tablet to a client without a smartphone.
// The screen shows only this visit's vragenlijst, one question at a time, takes the answers and
// the finger signature, and lets the client stop (withdraw consent) at any moment. Leaving it
// needs the handhaver's code; the core keeps the lock, also across a restart.
package veldwerk.viewmodels

import uniffi.veldwerk.Antwoord
import uniffi.veldwerk.Handtekening
import uniffi.veldwerk.Rol
import uniffi.veldwerk.Stap
import uniffi.veldwerk.Tour
import uniffi.veldwerk.TourVraag
import uniffi.veldwerk.VeldwerkInterface

class KlantmodusViewModel(
    private val vw: VeldwerkInterface,
    val zaakId: String,
    val visitId: String,
    /** The client's name as recorded with the consent: who answers and signs. */
    private val klant: String,
) {
    data class State(
        val titel: String,
        val uitleg: String,
        /** The first question still to answer (required ones first), or null when all are. */
        val huidige: TourVraag?,
        val beantwoord: Int,
        val totaal: Int,
        val open: Int,
        val mayAnswer: Boolean,
        val maySign: Boolean,
        val ondertekend: Boolean,
    )

    val state = Observable<State?>(null)
    val locked = Observable(false)
    val problem = Observable<Problem?>(null)
    private var tour: Tour? = null

    fun refresh() {
        attempt { vw.tour(zaakId, visitId) to vw.klantmodus() }.fold(
            onSuccess = { (t, k) ->
                tour = t
                locked.value = k?.visitId == visitId
                val signed = t.ondertekendDoor != null
                val huidige = t.open.firstOrNull()?.let { key -> t.vragen.firstOrNull { it.sleutel == key } }
                    ?: t.vragen.firstOrNull { it.antwoord == null }
                state.value = State(
                    titel = t.titel,
                    uitleg = t.uitleg,
                    huidige = if (signed) null else huidige,
                    beantwoord = t.vragen.count { it.antwoord != null },
                    totaal = t.vragen.size,
                    open = t.open.size,
                    mayAnswer = !signed,
                    maySign = !signed && t.open.isEmpty() && t.vragen.any { it.antwoord != null },
                    ondertekend = signed,
                )
            },
            onFailure = { problem.value = it.problem },
        )
    }

    /** Hands the device over: locked to this visit until [unlock] gets the same code. */
    fun handOver(code: String): Boolean = attempt { vw.startKlantmodus(zaakId, visitId, code) }.fold(
        onSuccess = { problem.value = null; refresh(); true },
        onFailure = { problem.value = it.problem; false },
    )

    /** Stores a photo the client took; its reference goes into a photo or meter answer. */
    fun photo(bytes: ByteArray): String? = attempt { vw.putPhoto(zaakId, bytes) }.fold(
        onSuccess = { it },
        onFailure = { problem.value = it.problem; null },
    )

    /** Records the client's answer to the question under [sleutel]. */
    fun answer(sleutel: String, antwoord: Antwoord): Boolean {
        val t = tour ?: return false
        return record(Stap.VraagBeantwoord(t.vragenlijst, t.versie, sleutel, antwoord, klant))
    }

    /** The client signs the answers with a finger; afterwards nothing changes. */
    fun sign(handtekening: Handtekening): Boolean = record(Stap.VragenlijstOndertekend(klant, handtekening))

    /** The client stops: consent withdrawn, the visit ends at once (seed 001 §2). */
    fun stop(): Boolean = record(Stap.ToestemmingIngetrokken(klant, Rol.BEWONER))

    /** The handhaver takes the device back. */
    fun unlock(code: String): Boolean = attempt { vw.endKlantmodus(code) }.fold(
        onSuccess = { problem.value = null; locked.value = false; true },
        onFailure = { problem.value = it.problem; false },
    )

    private fun record(stap: Stap): Boolean = attempt { vw.record(zaakId, visitId, stap, emptyList()) }.fold(
        onSuccess = { problem.value = null; refresh(); true },
        onFailure = { problem.value = it.problem; refresh(); false },
    )
}
