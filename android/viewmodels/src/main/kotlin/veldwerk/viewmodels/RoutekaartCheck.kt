// The routekaart check: pick an action and its parameters, see the decision under the active
// code, and tick the checklist of conditions before going ahead.
package veldwerk.viewmodels

import uniffi.veldwerk.ActionParams
import uniffi.veldwerk.Actie
import uniffi.veldwerk.Decision
import uniffi.veldwerk.Notice
import uniffi.veldwerk.VeldwerkInterface

/** A checklist of conditions (by code) the handhaver confirms one by one. */
class Checklist(val items: List<Notice>) {
    private val confirmed = mutableSetOf<String>()

    fun toggle(code: String, on: Boolean) {
        if (items.none { it.code == code }) return
        if (on) confirmed.add(code) else confirmed.remove(code)
    }

    fun isConfirmed(code: String) = code in confirmed
    val complete: Boolean get() = items.all { it.code in confirmed }
    fun confirmedCodes(): List<String> = items.map { it.code }.filter { it in confirmed }
}

class RoutekaartCheckViewModel(private val vw: VeldwerkInterface) {
    data class State(
        val actie: Actie,
        val params: ActionParams,
        val decision: Decision?,
        val checklist: Checklist,
        val problem: Problem?,
    ) {
        val allowed: Boolean get() = decision?.allowed == true
        /** Allowed and every condition ticked: the app may go ahead. */
        val mayProceed: Boolean get() = allowed && checklist.complete
        val reasons: List<String> get() = decision?.reasons?.map { it.message } ?: emptyList()
    }

    val state = Observable(State(Actie.HUISBEZOEK_APP, ActionParams(), null, Checklist(emptyList()), null))

    fun check(actie: Actie, params: ActionParams) {
        state.value = attempt { vw.checkAction(actie, params) }.fold(
            onSuccess = { State(actie, params, it, Checklist(it.conditions), null) },
            onFailure = { State(actie, params, null, Checklist(emptyList()), it.problem) },
        )
    }

    fun confirm(code: String, on: Boolean = true) {
        val s = state.value
        s.checklist.toggle(code, on)
        state.value = s.copy()
    }
}
