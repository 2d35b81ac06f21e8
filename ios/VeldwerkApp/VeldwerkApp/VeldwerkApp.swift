// The SwiftUI app: the same screens as the Android app, over VeldwerkCore. The storage key
// lives in the Keychain. (No Swift toolchain on the Linux CI: this is not compiled there.)
import SwiftUI
import VeldwerkCore

@main
struct VeldwerkApp: App {
    @State private var veldwerk: Veldwerk? = try? Veldwerk.openWithKeychain()

    var body: some Scene {
        WindowGroup {
            if let vw = veldwerk {
                if (try? vw.isEnrolled()) == true {
                    RootView(vw: vw, onWipe: {
                        try? vw.wipe()
                        KeychainKeyProvider().delete()
                        veldwerk = try? Veldwerk.openWithKeychain()
                    })
                } else {
                    EnrollView(vw: vw) { veldwerk = vw }
                }
            } else {
                Text("De opslag kan niet worden geopend.")
            }
        }
    }
}

struct EnrollView: View {
    let vw: Veldwerk
    let done: () -> Void
    @State private var url = "https://"
    @State private var code = ""
    @State private var problem: String?

    var body: some View {
        Form {
            TextField("Serveradres", text: $url)
            TextField("Koppelcode", text: $code)
            Button("Koppelen") {
                DispatchQueue.global().async {
                    do {
                        _ = try vw.enroll(serverUrl: url, code: code)
                        DispatchQueue.main.async(execute: done)
                    } catch {
                        DispatchQueue.main.async { problem = (error as? VeldwerkError)?.problem.message ?? "\(error)" }
                    }
                }
            }
            if let p = problem { Text(p).foregroundColor(.red) }
        }
    }
}

struct RootView: View {
    let vw: Veldwerk
    let onWipe: () -> Void
    @StateObject private var banner: PolicyBannerModel
    @StateObject private var worklist: WorklistModel
    @StateObject private var sync: SyncModel

    init(vw: Veldwerk, onWipe: @escaping () -> Void) {
        self.vw = vw
        self.onWipe = onWipe
        _banner = StateObject(wrappedValue: PolicyBannerModel(vw))
        _worklist = StateObject(wrappedValue: WorklistModel(vw))
        _sync = StateObject(wrappedValue: SyncModel(vw, onWipe: onWipe))
    }

    var body: some View {
        NavigationStack {
            VStack(alignment: .leading) {
                if let s = banner.status {
                    VStack(alignment: .leading) {
                        Text(Labels.code(s.code)).font(.headline)
                        Text(Labels.age(s.ageSeconds))
                        ForEach(s.warnings, id: \.code) { Text($0.message) }
                    }
                    .padding()
                    .background(s.code == .rood ? Color.red.opacity(0.4) : s.code == .oranje ? Color.orange.opacity(0.4) : Color.yellow.opacity(0.4))
                }
                HStack {
                    Text(sync.text)
                    Spacer()
                    Button("Synchroniseren") { sync.sync() }.disabled(sync.running)
                }.padding(.horizontal)
                List(worklist.items, id: \.zaakId) { item in
                    NavigationLink(destination: ZaakView(vw: vw, zaakId: item.zaakId)) {
                        VStack(alignment: .leading) {
                            Text(item.label).font(.headline)
                            Text("Uiterlijk \(item.deadline ?? "–") · \(item.nextStep)")
                        }
                    }
                }
                NavigationLink("Routekaart controleren", destination: RoutekaartView(model: RoutekaartCheckModel(vw)))
            }
            .onAppear { banner.refresh(); worklist.refresh() }
            .onChange(of: sync.running) { running in if !running { banner.refresh(); worklist.refresh() } }
        }
    }
}

struct ZaakView: View {
    let vw: Veldwerk
    let zaakId: String
    @State private var zaak: ZaakInfo?
    @State private var visitId: String?

    var body: some View {
        List {
            if let z = zaak {
                Text(z.label).font(.title2)
                Text("\(z.adres.street) \(z.adres.houseNumber), \(z.adres.city)")
                Text(z.motivatie)
                ForEach(z.visits, id: \.visitId) { v in
                    NavigationLink("\(v.fase)", destination: VisitView(model: VisitModel(vw, zaakId: zaakId, visitId: v.visitId)))
                }
                Button("Huisbezoek via de app starten") {
                    visitId = try? vw.startVisit(zaakId: zaakId, actie: .huisbezoekApp, params: ActionParams(handhavers: 1))
                    zaak = try? vw.zaakDetail(zaakId: zaakId)
                }
            }
        }
        .onAppear { zaak = try? vw.zaakDetail(zaakId: zaakId) }
    }
}

struct RoutekaartView: View {
    @ObservedObject var model: RoutekaartCheckModel

    var body: some View {
        List {
            ForEach([Actie.huisbezoek, .huisbezoekApp, .waarneming, .gesprekOpAfstand, .spreekkamer, .mobieleUnit, .administratiefOnderzoek], id: \.self) { a in
                Button("\(a)") { model.check(a, ActionParams(handhavers: 1)) }
            }
            if let d = model.decision {
                Text(d.allowed ? "Toegestaan onder voorwaarden" : "Niet toegestaan")
                ForEach(d.reasons, id: \.code) { Text("• \($0.message)") }
                ForEach(d.conditions, id: \.code) { c in
                    Toggle(c.message, isOn: Binding(
                        get: { model.confirmed.contains(c.code) },
                        set: { on in if on { model.confirmed.insert(c.code) } else { model.confirmed.remove(c.code) } }
                    ))
                }
                if model.mayProceed { Text("Alle voorwaarden bevestigd.") }
            }
        }
    }
}

struct VisitView: View {
    @ObservedObject var model: VisitModel
    @State private var ruimte = ""
    @State private var tekst = ""

    var body: some View {
        List {
            if let p = model.progress {
                Text("\(p.fase)").font(.headline)
                ForEach(p.warnings, id: \.code) { Text($0.message).foregroundColor(.orange) }
                if let c = model.consent {
                    Text(c.tekst)
                    Button("Toestemming gevraagd") {
                        model.prepare(.toestemmingGevraagd(variant: c.variant, tekst: c.tekst, tekstHash: c.hash))
                    }
                }
                if p.nextSteps.contains(.toestemmingGegeven) {
                    Button("Toestemming gegeven") { model.prepare(.toestemmingGegeven(door: "bewoner", rol: .bewoner)) }
                }
                // Entry is only offered once consent is recorded; the core refuses it otherwise.
                if model.canEnter { Button("Binnentreden") { model.prepare(.binnentreden) } }
                if p.nextSteps.contains(.waarneming) {
                    TextField("Ruimte", text: $ruimte)
                    TextField("Waarneming (feitelijk)", text: $tekst)
                    Button("Waarneming vastleggen") {
                        model.prepare(.waarneming(ruimte: ruimte, tekst: tekst, foto: nil, kastGeopend: false, kamerVan: nil))
                    }
                }
                if p.nextSteps.contains(.afsluiting) { Button("Bezoek afsluiten") { model.prepare(.afsluiting(toelichting: nil)) } }
            }
            if let pending = model.pending {
                ForEach(pending.conditions, id: \.code) { c in
                    Toggle(c.message, isOn: Binding(
                        get: { model.confirmed.contains(c.code) },
                        set: { on in if on { model.confirmed.insert(c.code) } else { model.confirmed.remove(c.code) } }
                    ))
                }
                // Factual-language warnings shown before signing: edit the text, or sign it anyway.
                ForEach(pending.textWarnings, id: \.start) { Text("\($0.message) (“\($0.matched)” → \($0.suggestion))").foregroundColor(.orange) }
                Button(pending.textWarnings.isEmpty ? "Vastleggen" : "Toch ondertekenen") {
                    model.record(ondanksWaarschuwingen: !pending.textWarnings.isEmpty)
                }
                    .disabled(!pending.conditions.allSatisfy { model.confirmed.contains($0.code) })
            }
            ForEach(model.warnings, id: \.start) { Text("\($0.message) (“\($0.matched)”)").foregroundColor(.orange) }
            if let p = model.problem { Text(p.message).foregroundColor(.red) }
        }
        .onAppear { model.refresh() }
    }
}
