//! After the sync's round trips, the photos of each zaak on the device that the server lacks:
//! asked with `POST /v1/fotos/ontbrekend`, uploaded one by one with
//! `PUT /v1/zaken/{zaak_id}/fotos/{sha256}` (both device-signed). A photo that fails stays
//! pending on the device and is tried at the next sync; nothing is lost and the sync itself
//! does not fail for it.

use veldwerk_contract::api::{
    foto_path, paths, FotosOntbrekendRequest, FotosOntbrekendResponse, MAX_FOTO_HASHES,
};
use veldwerk_contract::evidence::Signer;
use veldwerk_device::store::BlobRef;
use veldwerk_device::Device;
use veldwerk_rules::Notice;

use crate::error::ClientError;
use crate::transport::Transport;

/// What the photo pass did: photos the server now holds (uploaded now or found there), those
/// still pending, and why any failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhotoReport {
    pub uploaded: usize,
    pub pending: usize,
    pub notices: Vec<Notice>,
}

/// Uploads every pending photo of every zaak on the device, calling `progress(done, total)`
/// after each photo. Stops early only when the server cannot be reached at all.
pub fn upload_photos(
    device: &mut Device,
    transport: &Transport,
    signer: &Signer,
    progress: &mut dyn FnMut(usize, usize),
) -> PhotoReport {
    let mut report = PhotoReport::default();
    let zaken = match device.held_zaken() {
        Ok(z) => z,
        Err(e) => {
            report.notices.push(e.notice());
            return report;
        }
    };
    let mut work: Vec<(String, Vec<BlobRef>)> = Vec::new();
    for zaak_id in zaken {
        match device.photos_to_upload(&zaak_id) {
            Ok(list) if list.is_empty() => {}
            Ok(list) => work.push((zaak_id, list)),
            Err(e) => report.notices.push(e.notice()),
        }
    }
    let total: usize = work.iter().map(|(_, l)| l.len()).sum();
    let mut done = 0;
    for (zaak_id, list) in work {
        for chunk in list.chunks(MAX_FOTO_HASHES) {
            let mut tick = || {
                done += 1;
                progress(done, total);
            };
            let notices = &mut report.notices;
            match upload_chunk(
                device, transport, signer, &zaak_id, chunk, notices, &mut tick,
            ) {
                Ok(n) => report.uploaded += n,
                Err(e) => {
                    let unreachable =
                        matches!(e, ClientError::Unreachable(_) | ClientError::Timeout);
                    report.notices.push(e.notice());
                    if unreachable {
                        report.pending = pending(device);
                        return report;
                    }
                }
            }
        }
    }
    report.pending = pending(device);
    report
}

fn pending(device: &mut Device) -> usize {
    let Ok(zaken) = device.held_zaken() else {
        return 0;
    };
    zaken
        .iter()
        .map(|z| device.photos_to_upload(z).map_or(0, |l| l.len()))
        .sum()
}

/// One question and the uploads it asks for; returns how many photos the server now holds.
/// Hashes the server says no entry references stay pending (their entry has not reached it).
fn upload_chunk(
    device: &mut Device,
    transport: &Transport,
    signer: &Signer,
    zaak_id: &str,
    chunk: &[BlobRef],
    notices: &mut Vec<Notice>,
    tick: &mut dyn FnMut(),
) -> Result<usize, ClientError> {
    let ask = FotosOntbrekendRequest {
        zaak_id: zaak_id.to_owned(),
        hashes: chunk.iter().map(|b| b.as_str().to_owned()).collect(),
    };
    let body = serde_json::to_vec(&ask).map_err(|e| ClientError::BadResponse(e.to_string()))?;
    let answer =
        transport.post_signed(signer, paths::FOTOS_ONTBREKEND, "application/json", &body)?;
    if answer.status != 200 {
        return Err(crate::enroll::refused(answer));
    }
    let needed: FotosOntbrekendResponse = serde_json::from_slice(&answer.body)
        .map_err(|e| ClientError::BadResponse(e.to_string()))?;
    let mut held = 0;
    for blob in chunk {
        let hash = blob.as_str();
        if needed.niet_verwezen.iter().any(|h| h == hash) {
            tick();
            continue;
        }
        if needed.ontbrekend.iter().any(|h| h == hash) {
            let sent = match device.photo(blob) {
                Ok(Some(bytes)) => transport
                    .put_signed(
                        signer,
                        &foto_path(zaak_id, hash),
                        "application/octet-stream",
                        &bytes,
                    )
                    .and_then(|a| match a.status {
                        200 | 201 => Ok(()),
                        _ => Err(crate::enroll::refused(a)),
                    }),
                Ok(None) => Err(ClientError::BadResponse(format!(
                    "foto {hash} ontbreekt op het apparaat"
                ))),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = sent {
                tick();
                if matches!(e, ClientError::Unreachable(_) | ClientError::Timeout) {
                    return Err(e);
                }
                notices.push(e.notice());
                continue;
            }
        }
        // Uploaded now, or the server already had it.
        device.photo_uploaded(zaak_id, blob)?;
        held += 1;
        tick();
    }
    Ok(held)
}
