// The screen logic of the iOS app, the same as android/viewmodels: the banner, the worklist
// sorted by deadline, the routekaart check with its checklist, the visit guided by
// `nextSteps`, and sync with progress. Blocking facade calls run on a background queue.
import Foundation

/// A coded, Dutch-worded problem from the core's typed errors.
public struct Problem: Equatable {
    public let code: String
    public let message: String
    public let details: [String]
}

extension VeldwerkError {
    public var problem: Problem {
        switch self {
        case let .Forbidden(code, detail, reasons): return Problem(code: code, message: detail, details: reasons.map(\.message))
        case let .ConditionsNotConfirmed(code, detail, missing): return Problem(code: code, message: detail, details: missing.map(\.message))
        case let .Refused(code, detail, _), let .Network(code, detail, _), let .Revoked(code, detail, _):
            return Problem(code: code, message: detail, details: [])
        case let .WrongKey(code, detail), let .Protocol(code, detail), let .NotEnrolled(code, detail),
             let .NotFound(code, detail), let .InvalidInput(code, detail),
             let .Storage(code, detail), let .Closed(code, detail):
            return Problem(code: code, message: detail, details: [])
        }
    }
}

func problem(_ error: Error) -> Problem {
    (error as? VeldwerkError)?.problem ?? Problem(code: "internal_error", message: "\(error)", details: [])
}

/// Runs a blocking facade call off the main thread and delivers the result on it.
func background<T>(_ work: @escaping () throws -> T, _ done: @escaping (Result<T, Error>) -> Void) {
    DispatchQueue.global(qos: .userInitiated).async {
        let result = Result { try work() }
        DispatchQueue.main.async { done(result) }
    }
}

public enum Labels {
    public static func code(_ c: Code) -> String {
        switch c {
        case .geel: return "Code geel"
        case .oranje: return "Code oranje"
        case .rood: return "Code rood"
        }
    }

    public static func age(_ seconds: Int64?) -> String {
        guard let s = seconds else { return "nooit gesynchroniseerd" }
        if s < 60 { return "zojuist gesynchroniseerd" }
        if s < 3600 { return "\(s / 60) min geleden gesynchroniseerd" }
        if s < 86400 { return "\(s / 3600) uur geleden gesynchroniseerd" }
        return "\(s / 86400) dagen geleden gesynchroniseerd"
    }
}

public final class PolicyBannerModel: ObservableObject {
    @Published public var status: PolicyInfo?
    @Published public var problem: Problem?
    let vw: Veldwerk
    public init(_ vw: Veldwerk) { self.vw = vw }

    public func refresh() {
        background({ try self.vw.policyStatus() }) { r in
            switch r {
            case let .success(s): self.status = s
            case let .failure(e): self.problem = VeldwerkCore.problem(e)
            }
        }
    }
}

public final class WorklistModel: ObservableObject {
    @Published public var items: [WorklistEntry] = []
    @Published public var problem: Problem?
    let vw: Veldwerk
    public init(_ vw: Veldwerk) { self.vw = vw }

    /// Open before closed, then the earliest deadline first (none last), then by label.
    public static func sorted(_ items: [WorklistEntry]) -> [WorklistEntry] {
        items.sorted { a, b in
            if a.closed != b.closed { return !a.closed }
            let da = a.deadline ?? "9999-12-31", db = b.deadline ?? "9999-12-31"
            return da != db ? da < db : a.label < b.label
        }
    }

    public func refresh() {
        background({ try self.vw.worklist() }) { r in
            switch r {
            case let .success(w): self.items = Self.sorted(w.items)
            case let .failure(e): self.problem = VeldwerkCore.problem(e)
            }
        }
    }
}

public final class RoutekaartCheckModel: ObservableObject {
    @Published public var decision: Decision?
    @Published public var confirmed: Set<String> = []
    let vw: Veldwerk
    public init(_ vw: Veldwerk) { self.vw = vw }

    public var mayProceed: Bool {
        guard let d = decision, d.allowed else { return false }
        return d.conditions.allSatisfy { confirmed.contains($0.code) }
    }

    public func check(_ actie: Actie, _ params: ActionParams) {
        background({ try self.vw.checkAction(actie: actie, params: params) }) { r in
            self.decision = try? r.get()
            self.confirmed = []
        }
    }
}

public final class VisitModel: ObservableObject {
    @Published public var progress: VisitProgress?
    /// A step waiting for its checklist, with the factual-language warnings on its texts
    /// (shown before signing: edit the text, or sign it as it is on purpose).
    @Published public var pending: (stap: Stap, conditions: [Notice], textWarnings: [TextWarning])?
    @Published public var confirmed: Set<String> = []
    @Published public var problem: Problem?
    @Published public var warnings: [TextWarning] = []
    let vw: Veldwerk
    public let zaakId: String
    public let visitId: String

    public init(_ vw: Veldwerk, zaakId: String, visitId: String) {
        self.vw = vw
        self.zaakId = zaakId
        self.visitId = visitId
    }

    /// Entry is offered only once the protocol offers it (after consent).
    public var canEnter: Bool { progress?.nextSteps.contains(.binnentreden) ?? false }

    /// The exact consent text when consent is to be asked.
    public var consent: ConsentText? {
        guard let p = progress, p.nextSteps.contains(.toestemmingGevraagd) else { return nil }
        return p.consentText
    }

    public func refresh() {
        background({ try self.vw.nextSteps(zaakId: self.zaakId, visitId: self.visitId) }) { r in
            switch r {
            case let .success(p): self.progress = p
            case let .failure(e): self.problem = VeldwerkCore.problem(e)
            }
        }
    }

    public func prepare(_ stap: Stap) {
        background({ try self.vw.checkStep(zaakId: self.zaakId, visitId: self.visitId, stap: stap) }) { r in
            switch r {
            case let .success(check):
                if let d = check.decision, !d.allowed {
                    self.problem = Problem(code: "actie_verboden", message: "De routekaart staat dit nu niet toe.", details: d.reasons.map(\.message))
                } else {
                    self.pending = (stap, check.decision?.conditions ?? [], check.textWarnings)
                    self.confirmed = []
                }
            case let .failure(e): self.problem = VeldwerkCore.problem(e)
            }
        }
    }

    public func record(ondanksWaarschuwingen: Bool = false) {
        guard let p = pending else { return }
        if !p.textWarnings.isEmpty && !ondanksWaarschuwingen {
            problem = Problem(
                code: "taalwaarschuwingen_open",
                message: "De tekst heeft nog waarschuwingen over feitelijk taalgebruik. Pas de tekst aan, of onderteken hem bewust zoals hij is.",
                details: p.textWarnings.map { "\($0.message) (“\($0.matched)” → \($0.suggestion))" })
            return
        }
        let codes = p.conditions.map(\.code).filter { confirmed.contains($0) }
        background({ try self.vw.record(zaakId: self.zaakId, visitId: self.visitId, stap: p.stap, confirmedConditions: codes) }) { r in
            switch r {
            case let .success(rec):
                self.warnings = rec.textWarnings
                self.pending = nil
                self.problem = nil
            case let .failure(e): self.problem = VeldwerkCore.problem(e)
            }
            self.refresh()
        }
    }
}

public final class SyncModel: ObservableObject, SyncProgress {
    @Published public var running = false
    @Published public var text = ""
    @Published public var problem: Problem?
    let vw: Veldwerk
    let onWipe: () -> Void

    public init(_ vw: Veldwerk, onWipe: @escaping () -> Void) {
        self.vw = vw
        self.onWipe = onWipe
    }

    public func onStep(step: SyncStep) {
        let text: String
        switch step {
        case let .sending(roundTrip, _, bytesSent):
            text = "Ronde \(roundTrip): versturen (\(bytesSent) bytes verstuurd)"
        case let .applied(roundTrip, _, newZaken, bytesReceived):
            text = "Ronde \(roundTrip): verwerkt (\(bytesReceived) bytes ontvangen, \(newZaken) nieuwe zaken)"
        }
        DispatchQueue.main.async { self.text = text }
    }

    public func sync() {
        running = true
        background({ try self.vw.sync(progress: self) }) { r in
            self.running = false
            switch r {
            case let .success(report):
                self.text = "\(report.newZaken.count) nieuwe zaken, \(report.entriesSent) vastleggingen verstuurd"
            case let .failure(e):
                // A revoked device was wiped by the sync; the Keychain key goes too.
                if case .Revoked = e as? VeldwerkError { self.onWipe() }
                self.problem = VeldwerkCore.problem(e)
            }
        }
    }
}
