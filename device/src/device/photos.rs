//! Which photos of a zaak still have to reach the server (issue 14 item 1), and what happens
//! once they have: the upload itself is the client's (`veldwerk_client`), over HTTP.

use std::collections::BTreeSet;

use chrono::Utc;

use super::sync_docs::withdrawn_retention;
use super::{Device, DeviceError};
use crate::store::{BlobRef, UploadState};

impl Device {
    /// The photos of the zaak's waarnemingen recorded on this device that the server has not
    /// confirmed it holds, in hash order. A photo of a colleague's entry is not on this device
    /// and is not listed.
    pub fn photos_to_upload(&mut self, zaak_id: &str) -> Result<Vec<BlobRef>, DeviceError> {
        let zaak = self.open_zaak(zaak_id)?;
        let mut referenced = BTreeSet::new();
        for visit in zaak.doc.visits()? {
            for entry in zaak.doc.stored_entries(&visit.visit_id)? {
                if let Ok(event) = entry.event() {
                    for f in event.fotos() {
                        if let Ok(blob) = BlobRef::parse(f) {
                            referenced.insert(blob);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for blob in referenced {
            if self.store.upload_state(zaak_id, &blob)? == Some(UploadState::Pending) {
                out.push(blob);
            }
        }
        Ok(out)
    }

    /// The ids of every zaak on this device, withdrawn ones kept for their photos included.
    pub fn held_zaken(&self) -> Result<Vec<String>, DeviceError> {
        Ok(self
            .store
            .worklist()?
            .items
            .into_iter()
            .map(|i| i.zaak_id)
            .collect())
    }

    /// Records that the server holds the photo. A withdrawn zaak that waited only for its
    /// photos is deleted now (retention, as at the withdrawal).
    pub fn photo_uploaded(&mut self, zaak_id: &str, blob: &BlobRef) -> Result<(), DeviceError> {
        self.store.mark_uploaded(zaak_id, blob)?;
        if self
            .store
            .purge_acknowledged(withdrawn_retention(), Utc::now())?
            > 0
            && self.store.worklist_item(zaak_id)?.is_none()
        {
            self.open.remove(zaak_id);
        }
        Ok(())
    }
}
