//! `evaluate`: the pure check of one planned action against one cell of the routekaart.
//!
//! DESIGN.md, Rules: checkable parameters are checked and make the action forbidden with a coded
//! reason when they break the cell; what only a person can confirm, and every checkable
//! parameter left unstated, comes back as a condition (the handhaver's checklist).

use super::cell::{Allowed, CellRule, Routekaart};
use super::table;
use super::{Actie, Code, Decision, Parameter, PlannedAction, Transport};
use crate::Notice;

/// Decides whether `planned` may be done under `code`, by the cells of `routekaart`.
///
/// Pure and total: the same input always gives the same decision, and no input panics.
/// Parameters that do not apply to the action are ignored with a `parameter_not_applicable`
/// warning. The cell's own warnings (footnote ** on `huisbezoek_app`) and, for a cell an
/// organisation changed, `cell_overridden_by_organisation` come with every decision.
pub fn evaluate(routekaart: &Routekaart, code: Code, planned: &PlannedAction) -> Decision {
    let cell = routekaart.cell(code, planned.actie);
    let mut warnings = cell.warnings.clone();
    if cell.overridden {
        warnings.push(table::cell_overridden(
            routekaart.organisation(),
            routekaart.version(),
        ));
    }
    for parameter in Parameter::ALL {
        if planned.is_stated(parameter) && !planned.actie.parameters().contains(&parameter) {
            warnings.push(table::parameter_not_applicable(parameter, planned.actie));
        }
    }

    match &cell.rule {
        CellRule::Forbidden { reason, .. } => Decision::Forbidden {
            reasons: vec![reason.clone()],
            warnings,
        },
        CellRule::Allowed(allowed) => {
            let mut check = Check::default();
            check_allowed(&mut check, &mut warnings, code, planned, allowed);
            if check.reasons.is_empty() {
                Decision::Allowed {
                    conditions: check.conditions,
                    warnings,
                }
            } else {
                Decision::Forbidden {
                    reasons: check.reasons,
                    warnings,
                }
            }
        }
    }
}

#[derive(Default)]
struct Check {
    reasons: Vec<Notice>,
    conditions: Vec<Notice>,
}

fn check_allowed(
    check: &mut Check,
    warnings: &mut Vec<Notice>,
    code: Code,
    planned: &PlannedAction,
    allowed: &Allowed,
) {
    let actie = planned.actie;
    let applies = |p: Parameter| actie.parameters().contains(&p);

    if let Some(max) = allowed.max_handhavers {
        match planned
            .handhavers
            .filter(|_| applies(Parameter::Handhavers))
        {
            None => check
                .conditions
                .push(table::max_handhavers_condition(actie, max)),
            Some(0) => check.reasons.push(table::handhavers_invalid()),
            Some(n) if n > max => check
                .reasons
                .push(table::max_handhavers_exceeded(code, actie, max, n)),
            Some(_) => {}
        }
    }

    let transport = planned.transport.filter(|_| applies(Parameter::Transport));
    if let Some(permitted) = &allowed.transports {
        match transport {
            None => check
                .conditions
                .push(table::transport_restricted_condition(permitted)),
            Some(t) if !permitted.contains(&t) => check
                .reasons
                .push(table::transport_not_allowed(code, t, permitted)),
            Some(_) => {}
        }
    }

    check_per_car(check, warnings, code, planned, allowed, transport);

    if allowed.coronaproof_or_mask {
        match planned
            .coronaproof
            .filter(|_| applies(Parameter::Coronaproof))
        {
            None => check.conditions.push(table::coronaproof_room_condition()),
            Some(false) => check.conditions.push(table::mask_mandatory_condition()),
            Some(true) => {}
        }
    }

    if allowed.requires_suitable_hardware {
        match planned
            .hardware_ok
            .filter(|_| applies(Parameter::HardwareOk))
        {
            None => check.conditions.push(table::suitable_hardware_condition()),
            Some(false) => check.reasons.push(table::hardware_not_suitable(code)),
            Some(true) => {}
        }
    }
    if allowed.requires_secure_software {
        match planned
            .software_beveiligd
            .filter(|_| applies(Parameter::SoftwareBeveiligd))
        {
            None => check.conditions.push(table::secure_software_condition()),
            Some(false) => check.reasons.push(table::software_not_secure(code)),
            Some(true) => {}
        }
    }

    check.conditions.extend(
        allowed
            .conditions
            .iter()
            .filter(|c| c.applies_to(transport))
            .map(|c| c.notice.clone()),
    );
}

/// Medewerkers per car matter only when the waarneming goes by car (seed 004: "Indien per auto:
/// 1 medewerker per auto"); with the transport unstated the limit is a condition to confirm.
fn check_per_car(
    check: &mut Check,
    warnings: &mut Vec<Notice>,
    code: Code,
    planned: &PlannedAction,
    allowed: &Allowed,
    transport: Option<Transport>,
) {
    if planned.actie != Actie::Waarneming {
        return;
    }
    let stated = planned.medewerkers_per_auto;
    match (transport, allowed.max_medewerkers_per_auto) {
        (Some(Transport::Auto), Some(max)) => match stated {
            None => check
                .conditions
                .push(table::max_medewerkers_per_auto_condition(max)),
            Some(0) => check.reasons.push(table::medewerkers_per_auto_invalid()),
            Some(n) if n > max => check
                .reasons
                .push(table::max_medewerkers_per_auto_exceeded(code, max, n)),
            Some(_) => {}
        },
        (Some(Transport::Auto), None) => {
            if stated == Some(0) {
                check.reasons.push(table::medewerkers_per_auto_invalid());
            }
        }
        (Some(other), _) => {
            if stated.is_some() {
                warnings.push(table::medewerkers_per_auto_not_by_car(other));
            }
        }
        (None, Some(max)) => check
            .conditions
            .push(table::max_medewerkers_per_auto_condition(max)),
        (None, None) => {}
    }
}
