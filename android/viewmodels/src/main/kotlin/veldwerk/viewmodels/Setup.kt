// Opening the store with the key from the platform keystore, and enrolling the device.
package veldwerk.viewmodels

import uniffi.veldwerk.Veldwerk
import uniffi.veldwerk.VeldwerkInterface

/**
 * Where the 32-byte storage key lives. On Android: a key wrapped by the Android Keystore
 * (`AndroidKeystoreKeyProvider` in the app); on iOS: the Keychain. Tests use memory.
 */
interface StorageKeyProvider {
    /** The key, created on first use. */
    fun key(): ByteArray

    /** Deletes the key: after a wipe, any copy of the store files is unreadable. */
    fun delete()
}

class SetupViewModel(
    private val dataDir: String,
    private val keys: StorageKeyProvider,
    private val opener: (String, ByteArray) -> VeldwerkInterface = { dir, key -> Veldwerk.open(dir, key) },
) {
    sealed class State {
        object Closed : State()
        data class NeedsEnrollment(val deviceId: String) : State()
        data class Ready(val deviceId: String, val organisation: String?) : State()
        data class Failed(val problem: Problem) : State()
    }

    val state = Observable<State>(State.Closed)
    var veldwerk: VeldwerkInterface? = null
        private set

    /** Opens the store with the keystore's key (blocking; call off the main thread). */
    fun open(): VeldwerkInterface? {
        val result = attempt { opener(dataDir, keys.key()) }
        return result.fold(
            onSuccess = { vw ->
                veldwerk = vw
                state.value = if (vw.isEnrolled()) State.Ready(vw.deviceId(), null) else State.NeedsEnrollment(vw.deviceId())
                vw
            },
            onFailure = {
                state.value = State.Failed(it.problem)
                null
            },
        )
    }

    /** Enrolls with the server address and the one-time code the supervisor gave. */
    fun enroll(serverUrl: String, code: String) {
        val vw = veldwerk ?: return
        state.value = attempt { vw.enroll(serverUrl.trim(), code.trim()) }.fold(
            onSuccess = { State.Ready(it.deviceId, it.organisation) },
            onFailure = { State.Failed(it.problem) },
        )
    }

    /** Wipes the store and deletes the key (a revoked device, or the handhaver's choice). */
    fun wipe() {
        veldwerk?.let { attempt { it.wipe() } }
        keys.delete()
        veldwerk = null
        state.value = State.Closed
    }
}
