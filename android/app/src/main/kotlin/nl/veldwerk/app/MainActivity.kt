// The app's single activity: opens the store with the Keystore key and hosts the screens.
// Every facade call is blocking, so screens call the view-models on Dispatchers.IO.
package nl.veldwerk.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import veldwerk.viewmodels.SetupViewModel

class MainActivity : ComponentActivity() {
    private lateinit var setup: SetupViewModel

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setup = SetupViewModel(filesDir.resolve("veldwerk").path, AndroidKeystoreKeyProvider(this))
        setContent {
            MaterialTheme {
                val state by setup.state.asState()
                var opened by remember { mutableStateOf(false) }
                LaunchedEffect(Unit) {
                    withContext(Dispatchers.IO) { setup.open() }
                    opened = true
                }
                if (opened) {
                    when (val s = state) {
                        is SetupViewModel.State.Ready -> AppNavigation(setup.veldwerk!!, onWipe = { setup.wipe() })
                        is SetupViewModel.State.NeedsEnrollment -> EnrollScreen(setup, problem = null)
                        is SetupViewModel.State.Failed -> EnrollScreen(setup, problem = s.problem)
                        SetupViewModel.State.Closed -> EnrollScreen(setup, problem = null)
                    }
                }
            }
        }
    }

    override fun onDestroy() {
        (setup.veldwerk as? AutoCloseable)?.close()
        super.onDestroy()
    }
}
