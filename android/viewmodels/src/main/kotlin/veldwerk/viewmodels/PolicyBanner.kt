// The banner on every screen: the active code and how old the device's policy is.
package veldwerk.viewmodels

import uniffi.veldwerk.Code
import uniffi.veldwerk.VeldwerkInterface

class PolicyBannerViewModel(private val vw: VeldwerkInterface) {
    data class Banner(
        val code: Code,
        val title: String,
        val age: String,
        /** Older than the organisation allows, or no policy yet: show in warning colours. */
        val stale: Boolean,
        val warnings: List<String>,
    )

    val banner = Observable<Banner?>(null)
    val problem = Observable<Problem?>(null)

    fun refresh() {
        attempt { vw.policyStatus() }.fold(
            onSuccess = { p ->
                banner.value = Banner(
                    code = p.code,
                    title = Labels.code(p.code) + if (p.installed) "" else " (standaard)",
                    age = Labels.age(p.ageSeconds),
                    stale = p.stale,
                    warnings = p.warnings.map { it.message },
                )
                problem.value = null
            },
            onFailure = { problem.value = it.problem },
        )
    }
}
