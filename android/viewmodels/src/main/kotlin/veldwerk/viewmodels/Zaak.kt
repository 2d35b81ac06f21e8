// The zaak screen: the melding's facts, the address, the visits, and which kind of visit the
// active code allows to start.
package veldwerk.viewmodels

import uniffi.veldwerk.ActionParams
import uniffi.veldwerk.Actie
import uniffi.veldwerk.VeldwerkInterface
import uniffi.veldwerk.ZaakInfo

class ZaakViewModel(private val vw: VeldwerkInterface, val zaakId: String) {
    data class VisitRow(val visitId: String, val actie: String, val fase: String, val entries: Int, val intact: Boolean)

    data class State(
        val zaak: ZaakInfo,
        val visits: List<VisitRow>,
        /** The visit kinds the routekaart allows now, with their planned handhavers. */
        val startable: List<Pair<Actie, ActionParams>>,
        /** Why a physical huisbezoek is not offered, if it is not. */
        val huisbezoekBlocked: List<String>,
    )

    val state = Observable<State?>(null)
    val problem = Observable<Problem?>(null)

    fun refresh() {
        attempt {
            val z = vw.zaakDetail(zaakId)
            val plans = listOf(
                Actie.HUISBEZOEK to ActionParams(handhavers = 2u),
                Actie.HUISBEZOEK_APP to ActionParams(handhavers = 1u),
            )
            val decisions = plans.map { (a, p) -> Triple(a, p, vw.checkAction(a, p)) }
            State(
                zaak = z,
                visits = z.visits.map {
                    VisitRow(it.visitId, Labels.actie(it.actie), Labels.fase(it.fase), it.entries.size, it.intact)
                },
                startable = decisions.filter { it.third.allowed }.map { it.first to it.second },
                huisbezoekBlocked = decisions.first { it.first == Actie.HUISBEZOEK }.third.reasons.map { it.message },
            )
        }.fold(
            onSuccess = { state.value = it; problem.value = null },
            onFailure = { problem.value = it.problem },
        )
    }

    /** Starts a visit of an allowed kind; returns its id, or null with [problem] set. */
    fun startVisit(actie: Actie, params: ActionParams): String? =
        attempt { vw.startVisit(zaakId, actie, params) }.fold(
            onSuccess = { refresh(); it },
            onFailure = { problem.value = it.problem; null },
        )
}
