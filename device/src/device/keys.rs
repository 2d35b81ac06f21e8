//! The organisation's key list on the device: verified against the organisation key pinned at
//! enrollment, kept sealed in the store, verified again at every open, and used as the key
//! directory for colleagues' entries (issue 13, item 7).

use chrono::{DateTime, Utc};

use super::{corrupt, read_json, write_json, Device, DeviceError, Enrollment, ORG_KEYS};
use crate::store::Store;
use veldwerk_contract::evidence::{KeyList, KeyListError, SignedKeyList};

/// What the device shows about its colleagues' keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeysStatus {
    /// When the installed list was issued by the server.
    pub issued_at: DateTime<Utc>,
    pub devices: usize,
    pub revoked: usize,
}

/// The stored list, verified again (a list that no longer verifies is a damaged store).
pub(super) fn load(
    store: &Store,
    enrollment: Option<&Enrollment>,
) -> Result<Option<KeyList>, DeviceError> {
    let Some(signed) = read_json::<SignedKeyList>(store, ORG_KEYS)? else {
        return Ok(None);
    };
    let Some(enrollment) = enrollment else {
        return Err(corrupt(ORG_KEYS, "sleutellijst zonder aanmelding"));
    };
    signed
        .verify(&enrollment.org_public_key)
        .map(Some)
        .map_err(|e| corrupt(ORG_KEYS, e))
}

fn key_list_refused(e: KeyListError) -> DeviceError {
    DeviceError::KeyList(e)
}

impl Device {
    /// Verifies the organisation's signed key list against the organisation key pinned at
    /// enrollment and installs it, unless it is older than the installed one (an old list could
    /// hide a revocation). Entries of the listed devices verify from now on; those of revoked
    /// devices show as `key_revoked`.
    pub fn install_key_list(&mut self, signed: &SignedKeyList) -> Result<KeysStatus, DeviceError> {
        let enrollment = self.enrollment.as_ref().ok_or(DeviceError::NotEnrolled)?;
        let list = signed
            .verify(&enrollment.org_public_key)
            .map_err(key_list_refused)?;
        if self
            .org_keys
            .as_ref()
            .is_some_and(|have| have.issued_at > list.issued_at)
        {
            return Err(key_list_refused(KeyListError::Older));
        }
        write_json(&self.store, ORG_KEYS, signed)?;
        self.org_keys = Some(list);
        self.keys_status().ok_or(DeviceError::NotEnrolled)
    }

    /// The installed key list's age and size; `None` before the first one.
    pub fn keys_status(&self) -> Option<KeysStatus> {
        self.org_keys.as_ref().map(|l| KeysStatus {
            issued_at: l.issued_at,
            devices: l.devices.len(),
            revoked: l.devices.iter().filter(|d| d.revoked_at.is_some()).count(),
        })
    }
}
