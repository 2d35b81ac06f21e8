//! Where a visit stands, for the front ends' step screens: one call on the cached document
//! instead of a full [`Device::zaak_detail`], which also verifies every signature of every
//! visit. Verification stays there, for where evidence status is really shown.

use serde::Serialize;

use veldwerk_contract::zaak::{Entry, VisitMeta, ZaakDocument};
use veldwerk_rules::protocol::{
    Anomaly, Bezoek, Einde, Event, EventSoort, Fase, Grondslag, Variant,
};
use veldwerk_rules::routekaart::Actie;
use veldwerk_rules::Notice;

use super::{Device, DeviceError};

/// Where one visit stands in the protocol: what a front end needs to offer the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitProgress {
    pub zaak_id: String,
    pub visit_id: String,
    /// The kind the visit was started as (`huisbezoek` or `huisbezoek_app`): what its
    /// aanleiding must name.
    pub actie: Actie,
    pub fase: Fase,
    /// How the visit ended, once it did.
    pub einde: Option<Einde>,
    /// The steps the protocol allows now, in its order.
    pub next_steps: Vec<EventSoort>,
    /// The consent text variant the recorded grondslag demands; `None` before the aanleiding.
    pub consent_variant: Option<Variant>,
    /// Entries the protocol could not apply after a merge (they stay recorded).
    pub anomalies: Vec<Anomaly>,
    pub warnings: Vec<Notice>,
}

/// A visit's entries in reading order with their decoded events (`None` for an event this
/// build does not know), replayed leniently as [`Bezoek::replay`] does after a merge.
pub(super) struct Replayed {
    pub entries: Vec<Entry>,
    pub events: Vec<Option<Event>>,
    pub bezoek: Bezoek,
    pub anomalies: Vec<Anomaly>,
}

impl Replayed {
    pub(super) fn of(doc: &ZaakDocument, visit_id: &str) -> Result<Replayed, DeviceError> {
        Ok(Self::from_entries(doc.entries(visit_id)?))
    }

    /// Replays entries already in reading order (for instance the verified copies of
    /// `evidence::read_visit`).
    pub(super) fn from_entries(entries: Vec<Entry>) -> Replayed {
        let events: Vec<Option<Event>> = entries.iter().map(|e| e.event().ok()).collect();
        let (bezoek, anomalies) = Bezoek::replay(events.iter().flatten());
        Replayed {
            entries,
            events,
            bezoek,
            anomalies,
        }
    }
}

/// The consent text variant in force: the one the protocol checks `toestemming_gevraagd`
/// against.
pub(super) fn consent_variant(bezoek: &Bezoek) -> Option<Variant> {
    bezoek.grondslag().map(Grondslag::variant)
}

impl VisitProgress {
    fn of(zaak_id: &str, meta: VisitMeta, bezoek: &Bezoek, anomalies: Vec<Anomaly>) -> Self {
        VisitProgress {
            zaak_id: zaak_id.to_owned(),
            visit_id: meta.visit_id,
            actie: meta.kind,
            fase: bezoek.state(),
            einde: bezoek.einde(),
            next_steps: bezoek.next_steps(),
            consent_variant: consent_variant(bezoek),
            anomalies,
            warnings: bezoek.warnings(),
        }
    }
}

impl Device {
    /// The zaak's latest visit (the one the worklist shows), without reading any entry;
    /// `None` before the first visit.
    pub fn latest_visit(&mut self, zaak_id: &str) -> Result<Option<String>, DeviceError> {
        let zaak = self.open_zaak(zaak_id)?;
        Ok(zaak.latest_visit.as_ref().map(|(_, id)| id.clone()))
    }

    /// Where a visit stands (`None`: the zaak's latest visit), replayed from the cached
    /// document without verifying signatures. An unknown zaak gives `zaak_unknown`, an
    /// unknown visit `visit_unknown`, a zaak without visits `no_visit`.
    pub fn visit_progress(
        &mut self,
        zaak_id: &str,
        visit_id: Option<&str>,
    ) -> Result<VisitProgress, DeviceError> {
        self.guard_klantmodus(Some(zaak_id), visit_id, None)?;
        let zaak = self.open_zaak(zaak_id)?;
        let visit_id = match visit_id {
            Some(id) => id.to_owned(),
            None => match &zaak.latest_visit {
                Some((_, id)) => id.clone(),
                None => return Err(DeviceError::NoVisit(zaak_id.to_owned())),
            },
        };
        let meta = zaak.doc.visit(&visit_id)?;
        // A fresh replay, not the state `record` keeps: the reading order may put a step
        // just recorded before another device's later one, and the replay is what
        // `zaak_detail` and the next session see.
        let replayed = Replayed::of(&zaak.doc, &visit_id)?;
        Ok(VisitProgress::of(
            zaak_id,
            meta,
            &replayed.bezoek,
            replayed.anomalies,
        ))
    }
}

#[cfg(test)]
mod tests;
