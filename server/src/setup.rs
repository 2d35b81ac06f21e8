//! First start: the organisation with its key pair, its first directive and policy version 1.
//!
//! Above both `org` (the key) and `policy` (which the key signs), so neither needs the other's
//! start-up order.

use veldwerk_rules::routekaart::Code;

use crate::db::{now, Db};
use crate::error::Result;
use crate::org::{self, Organisation};
use crate::policy;

/// Loads the organisation, creating it on first start: a fresh key pair, a first directive
/// (code geel, the least restrictive code of the routekaart, by `systeem`) and policy
/// version 1, in one transaction.
pub fn ensure_organisation(db: &Db, name: &str) -> Result<Organisation> {
    if let Some(org) = org::load(db)? {
        return Ok(org);
    }
    let at = now();
    let org = db.write(|tx| {
        let org = org::create(tx, name, at)?;
        policy::switch_code(
            tx,
            &org,
            Code::Geel,
            "Startwaarde bij inrichting",
            "systeem",
            at,
        )?;
        Ok(org)
    })?;
    tracing::info!(organisation = name, "organisation created");
    Ok(org)
}
