// Screen state without Android: a value with listeners. The Compose layer mirrors it into a
// `mutableStateOf`; the JVM tests read `value` directly.
package veldwerk.viewmodels

import uniffi.veldwerk.VeldwerkException

class Observable<T>(initial: T) {
    private val listeners = mutableListOf<(T) -> Unit>()

    @Volatile
    var value: T = initial
        set(v) {
            field = v
            listeners.toList().forEach { it(v) }
        }

    fun observe(listener: (T) -> Unit): () -> Unit {
        listeners.add(listener)
        listener(value)
        return { listeners.remove(listener) }
    }
}

/** A coded, Dutch-worded problem to show: from the core's typed errors. */
data class Problem(val code: String, val message: String, val details: List<String> = emptyList())

fun VeldwerkException.toProblem(): Problem = when (this) {
    is VeldwerkException.Forbidden -> Problem(code, detail, reasons.map { it.message })
    is VeldwerkException.ConditionsNotConfirmed -> Problem(code, detail, missing.map { it.message })
    is VeldwerkException.WrongKey -> Problem(code, detail)
    is VeldwerkException.Protocol -> Problem(code, detail)
    is VeldwerkException.NotEnrolled -> Problem(code, detail)
    is VeldwerkException.NotFound -> Problem(code, detail)
    is VeldwerkException.InvalidInput -> Problem(code, detail)
    is VeldwerkException.Network -> Problem(code, detail)
    is VeldwerkException.Refused -> Problem(code, detail)
    is VeldwerkException.Revoked -> Problem(code, detail)
    is VeldwerkException.Storage -> Problem(code, detail)
    is VeldwerkException.Closed -> Problem(code, detail)
}

/** Runs a facade call, turning its typed error into a [Problem]. */
inline fun <T> attempt(block: () -> T): Result<T> = try {
    Result.success(block())
} catch (e: VeldwerkException) {
    Result.failure(ProblemException(e.toProblem()))
}

class ProblemException(val problem: Problem) : Exception(problem.message)

val Throwable.problem: Problem
    get() = (this as? ProblemException)?.problem ?: Problem("internal_error", message ?: toString())
