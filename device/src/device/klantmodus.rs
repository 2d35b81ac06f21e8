//! Klantmodus (issue 16 §4): for a client without a smartphone the handhaver hands over the
//! tablet for the digital tour. The device then shows and records only that visit's vragenlijst,
//! the client's signature and a withdrawal of consent, until the handhaver unlocks it with the
//! code chosen when handing it over. Works without network; the lock survives a restart.
//!
//! The code is kept as a PBKDF2-HMAC-SHA256 hash with a random salt, inside the encrypted store.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use veldwerk_rules::protocol::{Event, Fase};
use veldwerk_rules::routekaart::Actie;
use veldwerk_rules::vragenlijst::{Antwoord, VraagSoort};

use super::{corrupt, Device, DeviceError};
use crate::store::Store;

const SECRET: &str = "klantmodus";
/// The shortest unlock code accepted.
pub const MIN_ONTGRENDELCODE: usize = 4;
const ITERATIONS: u32 = 100_000;

/// The visit the device is locked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Klantmodus {
    pub zaak_id: String,
    pub visit_id: String,
}

/// The client's tour as the screen shows it: the list in force, each question asked now with
/// the answer given so far, what is still open, and whether it is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rondgang {
    pub vragenlijst: String,
    pub versie: u32,
    pub titel: String,
    pub uitleg: String,
    pub vragen: Vec<RondgangVraag>,
    /// The keys of the required questions without an answer.
    pub open: Vec<String>,
    pub ondertekend_door: Option<String>,
}

/// One question as asked now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RondgangVraag {
    pub sleutel: String,
    pub tekst: String,
    pub soort: VraagSoort,
    pub verplicht: bool,
    pub herhaling: Option<u32>,
    pub antwoord: Option<Antwoord>,
}

#[derive(Serialize, Deserialize)]
struct Slot {
    #[serde(flatten)]
    modus: Klantmodus,
    salt: String,
    hash: String,
}

fn iterations() -> NonZeroU32 {
    NonZeroU32::new(ITERATIONS).unwrap_or(NonZeroU32::MIN)
}

impl Device {
    /// Locks the device to the digital tour of `visit_id` (a `huisbezoek_app` inside the tour,
    /// answers not yet signed) until [`Device::end_klantmodus`] gets `ontgrendelcode`.
    pub fn start_klantmodus(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        ontgrendelcode: &str,
    ) -> Result<Klantmodus, DeviceError> {
        if let Some(actief) = self.klantmodus()? {
            if actief.zaak_id != zaak_id || actief.visit_id != visit_id {
                return Err(DeviceError::KlantmodusActief);
            }
        }
        if ontgrendelcode.chars().count() < MIN_ONTGRENDELCODE {
            return Err(DeviceError::OntgrendelcodeTeKort(MIN_ONTGRENDELCODE));
        }
        let bezoek = &self.open_zaak(zaak_id)?.visit(visit_id)?.bezoek;
        if bezoek.actie() != Some(Actie::HuisbezoekApp)
            || bezoek.state() != Fase::Binnen
            || bezoek.ondertekend_door().is_some()
        {
            return Err(DeviceError::KlantmodusNietMogelijk);
        }
        let mut salt = [0u8; 16];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| corrupt("klantmodus", "no randomness"))?;
        let mut hash = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations(),
            &salt,
            ontgrendelcode.as_bytes(),
            &mut hash,
        );
        let modus = Klantmodus {
            zaak_id: zaak_id.to_owned(),
            visit_id: visit_id.to_owned(),
        };
        let slot = Slot {
            modus: modus.clone(),
            salt: hex::encode(salt),
            hash: hex::encode(hash),
        };
        let bytes = serde_json::to_vec(&slot).map_err(|e| corrupt("klantmodus", e))?;
        self.store.put_secret(SECRET, &bytes)?;
        self.klantmodus = Some(modus.clone());
        Ok(modus)
    }

    /// The digital tour of `visit_id`: the questions of the vragenlijst in force as they are
    /// asked given the answers recorded so far (issue 16 §4, §5).
    pub fn rondgang(&mut self, zaak_id: &str, visit_id: &str) -> Result<Rondgang, DeviceError> {
        self.guard_klantmodus(Some(zaak_id), Some(visit_id), None)?;
        let lijst = self.rules().vragenlijst().clone();
        let bezoek = self.open_zaak(zaak_id)?.visit(visit_id)?.bezoek.clone();
        let antwoorden = bezoek.antwoorden();
        let vragen = lijst
            .momenten(antwoorden)
            .into_iter()
            .map(|m| RondgangVraag {
                antwoord: antwoorden.get(&m.sleutel).cloned(),
                sleutel: m.sleutel,
                tekst: m.vraag.tekst.clone(),
                soort: m.vraag.soort.clone(),
                verplicht: m.vraag.verplicht,
                herhaling: m.herhaling,
            })
            .collect();
        Ok(Rondgang {
            open: lijst.open_vragen(antwoorden),
            vragenlijst: lijst.id,
            versie: lijst.versie,
            titel: lijst.titel,
            uitleg: lijst.uitleg,
            vragen,
            ondertekend_door: bezoek.ondertekend_door().map(str::to_owned),
        })
    }

    /// The visit the device is locked to, if it is in klantmodus.
    pub fn klantmodus(&self) -> Result<Option<Klantmodus>, DeviceError> {
        Ok(self.klantmodus.clone())
    }

    /// Unlocks the device when `ontgrendelcode` is the code klantmodus was started with.
    pub fn end_klantmodus(&mut self, ontgrendelcode: &str) -> Result<(), DeviceError> {
        let Some(slot) = slot(&self.store)? else {
            return Ok(());
        };
        let salt = hex::decode(&slot.salt).map_err(|e| corrupt("klantmodus", e))?;
        let hash = hex::decode(&slot.hash).map_err(|e| corrupt("klantmodus", e))?;
        pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations(),
            &salt,
            ontgrendelcode.as_bytes(),
            &hash,
        )
        .map_err(|_| DeviceError::OntgrendelcodeOnjuist)?;
        self.store.delete_secret(SECRET)?;
        self.klantmodus = None;
        Ok(())
    }

    /// Refuses what the client may not do in klantmodus: anything but answering, signing or
    /// withdrawing consent in the visit the device is locked to. `step` is `None` for an
    /// operation that is not a recording (reading another zaak, starting a visit).
    pub(super) fn guard_klantmodus(
        &self,
        zaak_id: Option<&str>,
        visit_id: Option<&str>,
        step: Option<&Event>,
    ) -> Result<(), DeviceError> {
        let Some(modus) = &self.klantmodus else {
            return Ok(());
        };
        let same_zaak = zaak_id == Some(modus.zaak_id.as_str());
        let same_visit = visit_id.is_none_or(|v| v == modus.visit_id);
        let allowed_step = step.is_none_or(|e| {
            matches!(
                e,
                Event::VraagBeantwoord { .. }
                    | Event::VragenlijstOndertekend { .. }
                    | Event::ToestemmingIngetrokken { .. }
            )
        });
        if same_zaak && same_visit && allowed_step {
            Ok(())
        } else {
            Err(DeviceError::KlantmodusActief)
        }
    }
}

fn slot(store: &Store) -> Result<Option<Slot>, DeviceError> {
    match store.get_secret(SECRET)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| corrupt("klantmodus", e)),
    }
}

/// The lock as the store keeps it, read when the device opens.
pub(super) fn stored(store: &Store) -> Result<Option<Klantmodus>, DeviceError> {
    Ok(slot(store)?.map(|s| s.modus))
}
