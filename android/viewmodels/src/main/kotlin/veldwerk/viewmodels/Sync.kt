// The sync screen: a blocking sync (run it off the main thread) with progress, a summary, and
// the wipe instruction of a revoked device.
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
                state.value = State.Running(
                    step.roundTrip.toInt(),
                    when (step.phase) {
                        "sending" -> "Ronde ${step.roundTrip}: versturen (${step.bytesSent} bytes)"
                        "received" -> "Ronde ${step.roundTrip}: ontvangen (${step.bytesReceived} bytes)"
                        else -> "Afronden…"
                    },
                )
            }
        }
        try {
            val report = vw.sync(progress)
            if (report.wipeRequested) {
                onWipe()
            }
            state.value = State.Done(summary(report), report)
        } catch (e: VeldwerkException) {
            if (e is VeldwerkException.Refused && e.wipe) onWipe()
            state.value = State.Failed(e.toProblem())
        }
    }

    companion object {
        fun summary(r: SyncReport): String = buildList {
            if (r.newZaken.isNotEmpty()) add("${r.newZaken.size} nieuwe zaken")
            if (r.acknowledged.isNotEmpty()) add("${r.acknowledged.size} zaken volledig op de server")
            r.policyUpdated?.let { add("nieuw beleid (versie $it)") }
            if (r.rejections.isNotEmpty()) add("${r.rejections.size} geweigerd: " + r.rejections.joinToString { it.message })
            if (isEmpty()) add("Alles is bijgewerkt")
        }.joinToString("; ")
    }
}
