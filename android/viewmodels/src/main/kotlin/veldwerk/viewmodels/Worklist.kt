// The worklist screen: open zaken first, then by deadline (none last), with the next step.
package veldwerk.viewmodels

import java.time.LocalDate
import uniffi.veldwerk.VeldwerkInterface
import uniffi.veldwerk.WorklistEntry

class WorklistViewModel(
    private val vw: VeldwerkInterface,
    private val today: () -> LocalDate = { LocalDate.now() },
) {
    data class Row(
        val zaakId: String,
        val label: String,
        val deadline: String?,
        val overdue: Boolean,
        val nextStep: String,
        val unsynced: Int,
        val closed: Boolean,
    )

    val rows = Observable<List<Row>>(emptyList())
    val damaged = Observable<List<String>>(emptyList())
    val problem = Observable<Problem?>(null)

    fun refresh() {
        attempt { vw.worklist() }.fold(
            onSuccess = { list ->
                rows.value = sorted(list.items).map(::row)
                damaged.value = list.damaged.map { it.message }
                problem.value = null
            },
            onFailure = { problem.value = it.problem },
        )
    }

    private fun row(i: WorklistEntry): Row {
        val deadline = i.deadline?.let { runCatching { LocalDate.parse(it) }.getOrNull() }
        return Row(
            zaakId = i.zaakId,
            label = i.label,
            deadline = i.deadline,
            overdue = !i.closed && deadline != null && deadline.isBefore(today()),
            nextStep = Labels.nextStep(i.nextStep),
            unsynced = i.unsyncedEntries.toInt(),
            closed = i.closed,
        )
    }

    companion object {
        /** Open before closed, then the earliest deadline first (none last), then by label. */
        fun sorted(items: List<WorklistEntry>): List<WorklistEntry> =
            items.sortedWith(compareBy<WorklistEntry>({ it.closed }, { it.deadline ?: "9999-12-31" }, { it.label }))
    }
}
