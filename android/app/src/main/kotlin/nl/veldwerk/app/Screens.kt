// The Compose screens over the view-models: enrollment, the banner with the active code, the
// worklist, a zaak, the routekaart check, the visit guided by the protocol, and sync.
// (Not compiled on Linux: no Android SDK there. The view-models they use are tested on a JVM.)
package nl.veldwerk.app

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.*
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.*
import androidx.compose.runtime.*
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.veldwerk.*
import veldwerk.viewmodels.*

/** An [Observable] as Compose state. */
@Composable
fun <T> Observable<T>.asState(): State<T> {
    val state = remember { mutableStateOf(value) }
    DisposableEffect(this) {
        val stop = observe { state.value = it }
        onDispose { stop() }
    }
    return state
}

/** Runs a blocking facade call off the main thread. */
@Composable
fun rememberIo(): (suspend () -> Unit) -> Unit {
    val scope = rememberCoroutineScope()
    return { block -> scope.launch { withContext(Dispatchers.IO) { block() } } }
}

@Composable
fun ProblemText(problem: Problem?) {
    problem ?: return
    Column(Modifier.padding(8.dp)) {
        Text(problem.message, color = MaterialTheme.colorScheme.error)
        problem.details.forEach { Text("• $it", color = MaterialTheme.colorScheme.error) }
    }
}

@Composable
fun EnrollScreen(setup: SetupViewModel, problem: Problem?) {
    var url by remember { mutableStateOf("https://") }
    var code by remember { mutableStateOf("") }
    val io = rememberIo()
    Column(Modifier.padding(16.dp)) {
        Text("Apparaat koppelen", style = MaterialTheme.typography.headlineSmall)
        OutlinedTextField(url, { url = it }, label = { Text("Serveradres") })
        OutlinedTextField(code, { code = it }, label = { Text("Koppelcode") })
        Button({ io { setup.enroll(url, code) } }) { Text("Koppelen") }
        ProblemText(problem)
    }
}

@Composable
fun PolicyBanner(vm: PolicyBannerViewModel) {
    val banner by vm.banner.asState()
    val b = banner ?: return
    val color = when (b.code) {
        Code.GEEL -> Color(0xFFFFE082)
        Code.ORANJE -> Color(0xFFFFB74D)
        Code.ROOD -> Color(0xFFE57373)
    }
    Column(Modifier.fillMaxWidth().background(color).padding(8.dp)) {
        Text(b.title, style = MaterialTheme.typography.titleMedium)
        Text(b.age)
        b.warnings.forEach { Text(it, color = if (b.stale) Color.Black else Color.DarkGray) }
    }
}

sealed class Screen {
    object Worklist : Screen()
    data class Zaak(val zaakId: String) : Screen()
    data class Visit(val zaakId: String, val visitId: String) : Screen()
    object Routekaart : Screen()
}

@Composable
fun AppNavigation(vw: VeldwerkInterface, onWipe: () -> Unit) {
    var screen by remember { mutableStateOf<Screen>(Screen.Worklist) }
    val banner = remember { PolicyBannerViewModel(vw) }
    val sync = remember { SyncViewModel(vw, onWipe) }
    val io = rememberIo()
    LaunchedEffect(Unit) { withContext(Dispatchers.IO) { banner.refresh() } }
    Column {
        PolicyBanner(banner)
        SyncBar(sync) { io { sync.sync(); banner.refresh() } }
        when (val s = screen) {
            Screen.Worklist -> WorklistScreen(vw, open = { screen = Screen.Zaak(it) }, check = { screen = Screen.Routekaart })
            is Screen.Zaak -> ZaakScreen(vw, s.zaakId, openVisit = { screen = Screen.Visit(s.zaakId, it) }, back = { screen = Screen.Worklist })
            is Screen.Visit -> VisitScreen(vw, s.zaakId, s.visitId, back = { screen = Screen.Zaak(s.zaakId) })
            Screen.Routekaart -> RoutekaartScreen(vw, back = { screen = Screen.Worklist })
        }
    }
}

@Composable
fun SyncBar(vm: SyncViewModel, start: () -> Unit) {
    val state by vm.state.asState()
    Row(Modifier.fillMaxWidth().padding(8.dp)) {
        when (val s = state) {
            is SyncViewModel.State.Running -> {
                CircularProgressIndicator(Modifier.size(20.dp))
                Text(" ${s.text}")
            }
            is SyncViewModel.State.Done -> Text(s.summary, Modifier.weight(1f))
            is SyncViewModel.State.Failed -> Text(s.problem.message, Modifier.weight(1f), color = MaterialTheme.colorScheme.error)
            SyncViewModel.State.Idle -> Spacer(Modifier.weight(1f))
        }
        if (state !is SyncViewModel.State.Running) Button(start) { Text("Synchroniseren") }
    }
}

@Composable
fun WorklistScreen(vw: VeldwerkInterface, open: (String) -> Unit, check: () -> Unit) {
    val vm = remember { WorklistViewModel(vw) }
    val rows by vm.rows.asState()
    val problem by vm.problem.asState()
    LaunchedEffect(Unit) { withContext(Dispatchers.IO) { vm.refresh() } }
    Column {
        TextButton(check) { Text("Routekaart controleren") }
        ProblemText(problem)
        LazyColumn {
            items(rows) { row ->
                Column(Modifier.fillMaxWidth().clickable { open(row.zaakId) }.padding(12.dp)) {
                    Text(row.label, style = MaterialTheme.typography.titleMedium)
                    Text("Uiterlijk ${row.deadline ?: "–"} · ${row.nextStep}", color = if (row.overdue) Color.Red else Color.Unspecified)
                    if (row.unsynced > 0) Text("${row.unsynced} nog niet gesynchroniseerd")
                }
            }
        }
    }
}

@Composable
fun ZaakScreen(vw: VeldwerkInterface, zaakId: String, openVisit: (String) -> Unit, back: () -> Unit) {
    val vm = remember(zaakId) { ZaakViewModel(vw, zaakId) }
    val state by vm.state.asState()
    val problem by vm.problem.asState()
    val io = rememberIo()
    LaunchedEffect(zaakId) { withContext(Dispatchers.IO) { vm.refresh() } }
    Column(Modifier.padding(12.dp)) {
        TextButton(back) { Text("‹ Werklijst") }
        ProblemText(problem)
        val s = state ?: return@Column
        Text(s.zaak.label, style = MaterialTheme.typography.headlineSmall)
        Text("${s.zaak.adres.street} ${s.zaak.adres.houseNumber}, ${s.zaak.adres.city}")
        Text(s.zaak.motivatie)
        s.visits.forEach { v ->
            Text("${v.actie}: ${v.fase} (${v.entries})", Modifier.clickable { openVisit(v.visitId) }.padding(4.dp))
        }
        s.startable.forEach { (actie, params) ->
            Button({ io { vm.startVisit(actie, params)?.let(openVisit) } }) { Text("${Labels.actie(actie)} starten") }
        }
        s.huisbezoekBlocked.forEach { Text(it, color = Color.Gray) }
    }
}

@Composable
fun Checklist(checklist: Checklist, toggle: (String, Boolean) -> Unit) {
    checklist.items.forEach { item ->
        Row(Modifier.fillMaxWidth()) {
            Checkbox(checklist.isConfirmed(item.code), { toggle(item.code, it) })
            Text(item.message)
        }
    }
}

@Composable
fun RoutekaartScreen(vw: VeldwerkInterface, back: () -> Unit) {
    val vm = remember { RoutekaartCheckViewModel(vw) }
    val state by vm.state.asState()
    val io = rememberIo()
    Column(Modifier.padding(12.dp)) {
        TextButton(back) { Text("‹ Werklijst") }
        Actie.entries.forEach { a ->
            TextButton({ io { vm.check(a, ActionParams(handhavers = 1u)) } }) { Text(Labels.actie(a)) }
        }
        if (state.decision != null) {
            Text(if (state.allowed) "Toegestaan onder voorwaarden:" else "Niet toegestaan:")
            state.reasons.forEach { Text("• $it") }
            Checklist(state.checklist) { code, on -> vm.confirm(code, on) }
            if (state.mayProceed) Text("Alle voorwaarden bevestigd.")
        }
        ProblemText(state.problem)
    }
}

@Composable
fun VisitScreen(vw: VeldwerkInterface, zaakId: String, visitId: String, back: () -> Unit) {
    val vm = remember(visitId) { VisitViewModel(vw, zaakId, visitId) }
    val state by vm.state.asState()
    val pending by vm.pending.asState()
    val problem by vm.problem.asState()
    val warnings by vm.lastWarnings.asState()
    val io = rememberIo()
    var tekst by remember { mutableStateOf("") }
    var ruimte by remember { mutableStateOf("") }
    var aanleiding by remember { mutableStateOf("") }
    LaunchedEffect(visitId) { withContext(Dispatchers.IO) { vm.refresh() } }
    Column(Modifier.padding(12.dp)) {
        TextButton(back) { Text("‹ Zaak") }
        val s = state ?: return@Column
        Text(s.faseLabel, style = MaterialTheme.typography.titleLarge)
        s.warnings.forEach { Text(it, color = Color(0xFF8D6E00)) }
        // The exact consent text, read out or shown at the door before consent is recorded.
        s.consent?.let { c ->
            Text("Lees voor of toon:", style = MaterialTheme.typography.titleMedium)
            Text(c.tekst)
            OutlinedTextField(aanleiding, { aanleiding = it }, label = { Text("Aanleiding zoals aan de deur verteld") })
            Button({ io { vm.consentStep(aanleiding)?.let { vm.prepare(it) } } }) { Text("Toestemming gevraagd") }
        }
        if (Stapsoort.TOESTEMMING_GEGEVEN in s.offered) {
            Button({ io { vm.prepare(Stap.ToestemmingGegeven("bewoner", Rol.BEWONER, Leeftijdsgroep.VOLWASSEN, false)) } }) { Text("Toestemming gegeven") }
            Button({ io { vm.prepare(Stap.ToestemmingGeweigerd("bewoner", Rol.BEWONER, true, Leeftijdsgroep.VOLWASSEN, false, emptyList())) } }) { Text("Toestemming geweigerd") }
        }
        // Entry is only ever offered once consent is recorded (the core refuses it otherwise).
        if (s.canEnter) Button({ io { vm.prepare(Stap.Binnentreden) } }) { Text("Binnentreden") }
        if (Stapsoort.WAARNEMING in s.offered) {
            OutlinedTextField(ruimte, { ruimte = it }, label = { Text("Ruimte") })
            OutlinedTextField(tekst, { tekst = it }, label = { Text("Waarneming (feitelijk)") })
            Button({ io { vm.prepare(Stap.Waarneming(ruimte, tekst, null, false, null)) } }) { Text("Waarneming vastleggen") }
        }
        if (Stapsoort.AFSLUITING in s.offered) Button({ io { vm.prepare(Stap.Afsluiting(null)) } }) { Text("Bezoek afsluiten") }
        pending?.let { p ->
            Text("Bevestig de voorwaarden van de routekaart:", style = MaterialTheme.typography.titleMedium)
            Checklist(p.checklist) { code, on -> vm.confirm(code, on) }
            if (p.textWarnings.isEmpty()) {
                Button({ io { vm.confirmAndRecord() } }, enabled = p.checklist.complete) { Text("Vastleggen") }
            } else {
                // Shown before signing: edit the text above and prepare again, or sign it as it is.
                Text("Let op het feitelijk taalgebruik:", style = MaterialTheme.typography.titleMedium)
                p.textWarnings.forEach { Text("${it.message} (“${it.matched}” → ${it.suggestion})", color = Color(0xFF8D6E00)) }
                Button({ io { vm.confirmAndRecord(ondanksWaarschuwingen = true) } }, enabled = p.checklist.complete) { Text("Toch ondertekenen") }
            }
        }
        warnings.forEach { Text("${it.message} (“${it.matched}” → ${it.suggestion})", color = Color(0xFF8D6E00)) }
        ProblemText(problem)
    }
}
