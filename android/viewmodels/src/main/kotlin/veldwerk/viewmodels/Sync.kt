// The sync screen: a blocking sync (run it off the main thread) with progress, a summary, and
// a revoked device (wiped by the sync) losing its key too.
package veldwerk.viewmodels

import uniffi.veldwerk.SyncProgress
import uniffi.veldwerk.SyncReport
import uniffi.veldwerk.SyncStep
import uniffi.veldwerk.VeldwerkException
import uniffi.veldwerk.VeldwerkInterface

class SyncViewModel(private val vw: VeldwerkInterface, private val onWipe: () -> Unit) {
    sealed class State {
        object Idle : State()
        data class Running(val roundTrip: Int, val text: String) : State()
        data class Done(val summary: String, val report: SyncReport) : State()
        data class Failed(val problem: Problem) : State()
    }

    val state = Observable<State>(State.Idle)
    /** Every progress step seen in the last sync (for the progress bar and for tests). */
    val steps = mutableListOf<SyncStep>()

    fun sync() {
        steps.clear()
        state.value = State.Running(0, "Verbinden…")
        val progress = object : SyncProgress {
            override fun onStep(step: SyncStep) {
                steps.add(step)
                state.value = when (step) {
                    is SyncStep.Sending -> State.Running(
                        step.roundTrip.toInt(),
                        "Ronde ${step.roundTrip}: versturen (${bytes(step.bytesSent)} verstuurd)",
                    )
                    is SyncStep.Applied -> State.Running(
                        step.roundTrip.toInt(),
                        "Ronde ${step.roundTrip}: verwerkt (${bytes(step.bytesReceived)} ontvangen, ${step.newZaken} nieuwe zaken)",
                    )
                }
            }
        }
        try {
            val report = vw.sync(progress)
            state.value = State.Done(summary(report), report)
        } catch (e: VeldwerkException) {
            // A revoked device was wiped by the sync; the key goes too.
            if (e is VeldwerkException.Revoked) onWipe()
            state.value = State.Failed(e.toProblem())
        }
    }

    companion object {
        fun summary(r: SyncReport): String = buildList {
            if (r.newZaken.isNotEmpty()) add("${r.newZaken.size} nieuwe zaken")
            if (r.entriesSent > 0UL) add("${r.entriesSent} vastleggingen verstuurd")
            if (r.unsyncedEntries > 0UL) add("${r.unsyncedEntries} vastleggingen nog niet op de server")
            r.policyUpdated?.let { add("nieuw beleid (versie $it)") }
            if (r.rejections.isNotEmpty()) add("${r.rejections.size} geweigerd: " + r.rejections.joinToString { it.message })
            if (isEmpty()) add("Alles is bijgewerkt")
        }.joinToString("; ")

        fun bytes(n: ULong): String = when {
            n < 10UL * 1024UL -> "$n B"
            n < 10UL * 1024UL * 1024UL -> "${n / 1024UL} KiB"
            else -> "${n / (1024UL * 1024UL)} MiB"
        }
    }
}
