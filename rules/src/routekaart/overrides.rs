//! Organisation overrides of routekaart cells: a TOML file (format in
//! `docs/routekaart-overrides.md`), checked strictly and applied on top of a base routekaart.
//!
//! Footnote * of seed 004: "Per LSI-partner kan sprake zijn van nuance-verschillen of andere
//! interpretaties", so an organisation may change cells. A file with an unknown code, action or
//! field, a wrong type or an impossible number is refused as a whole, with every problem named
//! by its line and column.

use std::fmt;
use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use super::cell::{Allowed, Cell, CellRule, Condition, Routekaart};
use super::{Actie, Code, Parameter, Transport};
use crate::Notice;

/// Highest `max_handhavers` an override may set: more officers than this at one door is not a
/// plausible rule.
pub const MAX_HANDHAVERS_LIMIT: u32 = 10;
/// Highest `max_medewerkers_per_auto`: the seats of an ordinary car.
pub const MAX_MEDEWERKERS_PER_AUTO_LIMIT: u32 = 9;
/// Longest text (reden, tekst, voorwaarde) in characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Longest organisation name or version in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest stable code in characters.
pub const MAX_CODE_CHARS: usize = 64;
/// Most entries in one list of voorwaarden or waarschuwingen.
pub const MAX_LIST_ENTRIES: usize = 50;

/// The reason code of a cell an override forbids without giving `reden_code`.
pub const DEFAULT_REASON_CODE: &str = "forbidden_by_organisation";

/// What is wrong at one place of an override file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideErrorKind {
    /// The file is not valid TOML.
    Syntax { message: String },
    /// A top-level key that is neither a code nor `organisatie` / `versie`.
    UnknownCode { found: String },
    /// A key under a code that is not an action id.
    UnknownAction { code: Code, found: String },
    /// A key that is not a field of what it stands in.
    UnknownField { found: String, within: String },
    /// A required field is absent.
    MissingField { field: String, within: String },
    /// A field about a parameter the action does not have (e.g. `transport` on `spreekkamer`).
    FieldNotApplicable { field: String, actie: Actie },
    /// A limit or condition on a cell that stays forbidden.
    FieldNeedsAllowedCell { field: String },
    /// A reason on a cell that stays allowed.
    FieldNeedsForbiddenCell { field: String },
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    /// Zero or negative where at least `min` is needed.
    NumberTooSmall {
        field: String,
        value: String,
        min: u32,
    },
    /// More than a plausible maximum.
    NumberTooLarge {
        field: String,
        value: String,
        max: u32,
    },
    /// Any other bad value (empty text, bad code, unknown transport, duplicate...).
    InvalidValue { field: String, problem: String },
}

impl OverrideErrorKind {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            OverrideErrorKind::Syntax { .. } => "override_syntax",
            OverrideErrorKind::UnknownCode { .. } => "override_unknown_code",
            OverrideErrorKind::UnknownAction { .. } => "override_unknown_action",
            OverrideErrorKind::UnknownField { .. } => "override_unknown_field",
            OverrideErrorKind::MissingField { .. } => "override_missing_field",
            OverrideErrorKind::FieldNotApplicable { .. } => "override_field_not_applicable",
            OverrideErrorKind::FieldNeedsAllowedCell { .. } => "override_field_needs_allowed_cell",
            OverrideErrorKind::FieldNeedsForbiddenCell { .. } => {
                "override_field_needs_forbidden_cell"
            }
            OverrideErrorKind::WrongType { .. } => "override_wrong_type",
            OverrideErrorKind::NumberTooSmall { .. } => "override_number_too_small",
            OverrideErrorKind::NumberTooLarge { .. } => "override_number_too_large",
            OverrideErrorKind::InvalidValue { .. } => "override_invalid_value",
        }
    }
}

impl fmt::Display for OverrideErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideErrorKind::Syntax { message } => write!(f, "geen geldige TOML: {message}"),
            OverrideErrorKind::UnknownCode { found } => write!(
                f,
                "onbekende code of veld '{found}' (codes: geel, oranje, rood; velden: \
                 organisatie, versie)"
            ),
            OverrideErrorKind::UnknownAction { code, found } => write!(
                f,
                "onbekende actie '{found}' onder code {code} (acties: {})",
                Actie::ALL.map(|a| a.id()).join(", ")
            ),
            OverrideErrorKind::UnknownField { found, within } => {
                write!(f, "onbekend veld '{found}' in {within}")
            }
            OverrideErrorKind::MissingField { field, within } => {
                write!(f, "veld '{field}' ontbreekt in {within}")
            }
            OverrideErrorKind::FieldNotApplicable { field, actie } => {
                write!(f, "veld '{field}' is niet van toepassing op actie {actie}")
            }
            OverrideErrorKind::FieldNeedsAllowedCell { field } => write!(
                f,
                "veld '{field}' geldt alleen voor een toegestane cel, en deze cel is verboden \
                 (zet toegestaan = true om de actie toe te staan)"
            ),
            OverrideErrorKind::FieldNeedsForbiddenCell { field } => write!(
                f,
                "veld '{field}' geldt alleen voor een verboden cel (toegestaan = false)"
            ),
            OverrideErrorKind::WrongType {
                field,
                expected,
                found,
            } => write!(f, "veld '{field}' moet {expected} zijn, niet {found}"),
            OverrideErrorKind::NumberTooSmall { field, value, min } => {
                write!(f, "'{field}' = {value} is onmogelijk: minstens {min}")
            }
            OverrideErrorKind::NumberTooLarge { field, value, max } => write!(
                f,
                "'{field}' = {value} is onredelijk groot: hoogstens {max}"
            ),
            OverrideErrorKind::InvalidValue { field, problem } => {
                write!(f, "ongeldige waarde voor '{field}': {problem}")
            }
        }
    }
}

/// One problem in an override file, at a line and column (both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regel {line}, kolom {column}: {kind}")]
pub struct OverrideError {
    pub line: usize,
    pub column: usize,
    pub kind: OverrideErrorKind,
}

impl OverrideError {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The error as a coded notice, its message naming the line.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// Every problem found in an override file, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OverrideErrors(Vec<OverrideError>);

impl OverrideErrors {
    pub fn errors(&self) -> &[OverrideError] {
        &self.0
    }

    /// The code of the first problem.
    pub fn code(&self) -> &'static str {
        self.0.first().map_or("override_invalid", |e| e.code())
    }
}

impl fmt::Display for OverrideErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl Routekaart {
    /// The VNG table with the organisation's overrides from `toml` applied.
    pub fn from_overrides(toml: &str) -> Result<Routekaart, OverrideErrors> {
        Routekaart::vng_2020().with_overrides(toml)
    }

    /// A copy of this routekaart with the overrides from `toml` applied. Every cell the file
    /// names is marked `overridden`; the routekaart takes the file's organisation and version.
    pub fn with_overrides(&self, toml: &str) -> Result<Routekaart, OverrideErrors> {
        let mut parser = Parser {
            src: toml,
            errors: Vec::new(),
        };
        let mut result = self.clone();
        match DeTable::parse(toml) {
            Err(e) => parser.push(
                e.span().unwrap_or(0..0),
                OverrideErrorKind::Syntax {
                    message: e.message().trim().to_string(),
                },
            ),
            Ok(root) => parser.root(root.get_ref(), &mut result),
        }
        if parser.errors.is_empty() {
            Ok(result)
        } else {
            parser.errors.sort_by_key(|e| (e.line, e.column));
            Err(OverrideErrors(parser.errors))
        }
    }
}

struct Parser<'s> {
    src: &'s str,
    errors: Vec<OverrideError>,
}

type Value<'i> = Spanned<DeValue<'i>>;

/// The fields of one cell table, as read.
#[derive(Default)]
struct Patch {
    toegestaan: Option<(bool, Range<usize>)>,
    reden: Option<String>,
    reden_code: Option<String>,
    alternatief: Option<Actie>,
    max_handhavers: Option<u32>,
    transport: Option<Vec<Transport>>,
    max_medewerkers_per_auto: Option<u32>,
    coronaproof_of_mondkapje: Option<bool>,
    geschikte_hardware_vereist: Option<bool>,
    beveiligde_software_vereist: Option<bool>,
    voorwaarden: Option<Vec<Condition>>,
    extra_voorwaarden: Option<Vec<Condition>>,
    waarschuwingen: Option<Vec<Notice>>,
    tekst: Option<String>,
    /// Fields only an allowed cell can have, with their key spans.
    allowed_fields: Vec<(&'static str, Range<usize>)>,
    /// Fields only a forbidden cell can have, with their key spans.
    forbidden_fields: Vec<(&'static str, Range<usize>)>,
}

/// What a field of a cell table is, and which parameter of the action it needs.
struct FieldSpec {
    name: &'static str,
    only_allowed: bool,
    only_forbidden: bool,
    parameter: Option<Parameter>,
}

const fn field(
    name: &'static str,
    only_allowed: bool,
    only_forbidden: bool,
    parameter: Option<Parameter>,
) -> FieldSpec {
    FieldSpec {
        name,
        only_allowed,
        only_forbidden,
        parameter,
    }
}

const CELL_FIELDS: &[FieldSpec] = &[
    field("toegestaan", false, false, None),
    field("tekst", false, false, None),
    field("waarschuwingen", false, false, None),
    field("reden", false, true, None),
    field("reden_code", false, true, None),
    field("alternatief", false, true, None),
    field("max_handhavers", true, false, Some(Parameter::Handhavers)),
    field("transport", true, false, Some(Parameter::Transport)),
    field(
        "max_medewerkers_per_auto",
        true,
        false,
        Some(Parameter::MedewerkersPerAuto),
    ),
    field(
        "coronaproof_of_mondkapje",
        true,
        false,
        Some(Parameter::Coronaproof),
    ),
    field(
        "geschikte_hardware_vereist",
        true,
        false,
        Some(Parameter::HardwareOk),
    ),
    field(
        "beveiligde_software_vereist",
        true,
        false,
        Some(Parameter::SoftwareBeveiligd),
    ),
    field("voorwaarden", true, false, None),
    field("extra_voorwaarden", true, false, None),
];

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "tekst",
        DeValue::Integer(_) => "een geheel getal",
        DeValue::Float(_) => "een kommagetal",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "een datum",
        DeValue::Array(_) => "een lijst",
        DeValue::Table(_) => "een tabel",
    }
}

fn is_stable_code(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= MAX_CODE_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Parser<'_> {
    fn position(&self, offset: usize) -> (usize, usize) {
        crate::tekstpositie::regel_kolom(self.src, offset)
    }

    fn push(&mut self, span: Range<usize>, kind: OverrideErrorKind) {
        let (line, column) = self.position(span.start);
        self.errors.push(OverrideError { line, column, kind });
    }

    fn root(&mut self, root: &DeTable<'_>, result: &mut Routekaart) {
        let mut organisatie = None;
        let mut versie = None;
        for (key, value) in root.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "organisatie" => organisatie = self.name(name, value),
                "versie" => versie = self.name(name, value),
                _ => match name.parse::<Code>() {
                    Ok(code) if code.id() == name => self.code_table(code, value, result),
                    _ => self.push(
                        key.span(),
                        OverrideErrorKind::UnknownCode {
                            found: name.to_string(),
                        },
                    ),
                },
            }
        }
        for (field, found) in [("organisatie", &organisatie), ("versie", &versie)] {
            if found.is_none() && !root.iter().any(|(k, _)| k.get_ref().as_ref() == field) {
                self.push(
                    0..0,
                    OverrideErrorKind::MissingField {
                        field: field.to_string(),
                        within: "het bestand (bovenaan, vóór de eerste [tabel])".to_string(),
                    },
                );
            }
        }
        if let (Some(o), Some(v)) = (organisatie, versie) {
            result.set_origin(o, v);
        }
    }

    fn code_table(&mut self, code: Code, value: &Value<'_>, result: &mut Routekaart) {
        let Some(table) = self.table(code.id(), value) else {
            return;
        };
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match name.parse::<Actie>() {
                Ok(actie) if actie.id() == name => {
                    if let Some(patch) = self.cell_table(code, actie, value) {
                        let base = result.cell(code, actie).clone();
                        if let Some(cell) = self.apply(base, patch) {
                            *result.cell_mut(code, actie) = cell;
                        }
                    }
                }
                _ => self.push(
                    key.span(),
                    OverrideErrorKind::UnknownAction {
                        code,
                        found: name.to_string(),
                    },
                ),
            }
        }
    }

    fn cell_table(&mut self, code: Code, actie: Actie, value: &Value<'_>) -> Option<Patch> {
        let within = format!("[{code}.{actie}]");
        let table = self.table(&within, value)?;
        let mut patch = Patch::default();
        let errors_before = self.errors.len();
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let Some(spec) = CELL_FIELDS.iter().find(|f| f.name == name) else {
                self.push(
                    key.span(),
                    OverrideErrorKind::UnknownField {
                        found: name.to_string(),
                        within: within.clone(),
                    },
                );
                continue;
            };
            if let Some(p) = spec.parameter {
                if !actie.parameters().contains(&p) {
                    self.push(
                        key.span(),
                        OverrideErrorKind::FieldNotApplicable {
                            field: name.to_string(),
                            actie,
                        },
                    );
                    continue;
                }
            }
            if spec.only_allowed {
                patch.allowed_fields.push((spec.name, key.span()));
            }
            if spec.only_forbidden {
                patch.forbidden_fields.push((spec.name, key.span()));
            }
            let waarneming = actie == Actie::Waarneming;
            match spec.name {
                "toegestaan" => {
                    patch.toegestaan = self.boolean(name, value).map(|b| (b, value.span()))
                }
                "tekst" => patch.tekst = self.text(name, value, MAX_TEXT_CHARS),
                "reden" => patch.reden = self.text(name, value, MAX_TEXT_CHARS),
                "reden_code" => patch.reden_code = self.code_id(name, value),
                "alternatief" => patch.alternatief = self.alternative(name, value, actie),
                "max_handhavers" => {
                    patch.max_handhavers = self.count(name, value, MAX_HANDHAVERS_LIMIT)
                }
                "max_medewerkers_per_auto" => {
                    patch.max_medewerkers_per_auto =
                        self.count(name, value, MAX_MEDEWERKERS_PER_AUTO_LIMIT)
                }
                "transport" => patch.transport = self.transports(name, value),
                "coronaproof_of_mondkapje" => {
                    patch.coronaproof_of_mondkapje = self.boolean(name, value)
                }
                "geschikte_hardware_vereist" => {
                    patch.geschikte_hardware_vereist = self.boolean(name, value)
                }
                "beveiligde_software_vereist" => {
                    patch.beveiligde_software_vereist = self.boolean(name, value)
                }
                "voorwaarden" => patch.voorwaarden = self.conditions(name, value, waarneming),
                "extra_voorwaarden" => {
                    patch.extra_voorwaarden = self.conditions(name, value, waarneming)
                }
                "waarschuwingen" => {
                    patch.waarschuwingen = self
                        .conditions(name, value, false)
                        .map(|list| list.into_iter().map(|c| c.notice).collect())
                }
                _ => {}
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(patch)
    }

    /// Applies a checked patch to the base cell; `None` (with errors pushed) if the combination
    /// is impossible.
    fn apply(&mut self, base: Cell, patch: Patch) -> Option<Cell> {
        let allowed_now = patch
            .toegestaan
            .as_ref()
            .map_or(base.is_allowed(), |(b, _)| *b);
        let mut ok = true;
        let mut cell = base;
        if allowed_now {
            for (field, span) in &patch.forbidden_fields {
                ok = false;
                self.push(
                    span.clone(),
                    OverrideErrorKind::FieldNeedsForbiddenCell {
                        field: (*field).to_string(),
                    },
                );
            }
            let was_forbidden = !cell.is_allowed();
            let mut rule = match cell.rule {
                CellRule::Allowed(a) => a,
                CellRule::Forbidden { .. } => Allowed::default(),
            };
            if let Some(v) = patch.max_handhavers {
                rule.max_handhavers = Some(v);
            }
            if let Some(v) = patch.transport {
                rule.transports = Some(v);
            }
            if let Some(v) = patch.max_medewerkers_per_auto {
                rule.max_medewerkers_per_auto = Some(v);
            }
            if let Some(v) = patch.coronaproof_of_mondkapje {
                rule.coronaproof_or_mask = v;
            }
            if let Some(v) = patch.geschikte_hardware_vereist {
                rule.requires_suitable_hardware = v;
            }
            if let Some(v) = patch.beveiligde_software_vereist {
                rule.requires_secure_software = v;
            }
            if let Some(v) = patch.voorwaarden {
                rule.conditions = v;
            }
            if let Some(v) = patch.extra_voorwaarden {
                rule.conditions.extend(v);
            }
            if was_forbidden && patch.tekst.is_none() {
                cell.text = "Toegestaan door de organisatie.".to_string();
            }
            cell.rule = CellRule::Allowed(rule);
        } else {
            for (field, span) in &patch.allowed_fields {
                ok = false;
                self.push(
                    span.clone(),
                    OverrideErrorKind::FieldNeedsAllowedCell {
                        field: (*field).to_string(),
                    },
                );
            }
            let (base_reason, base_alternative) = match cell.rule {
                CellRule::Forbidden {
                    reason,
                    alternative,
                } => (Some(reason), alternative),
                CellRule::Allowed(_) => (None, None),
            };
            let reason = match (patch.reden, base_reason) {
                (Some(message), _) => Some(Notice::new(
                    patch
                        .reden_code
                        .unwrap_or_else(|| DEFAULT_REASON_CODE.to_string()),
                    message,
                )),
                (None, Some(mut reason)) => {
                    if let Some(code) = patch.reden_code {
                        reason.code = code;
                    }
                    Some(reason)
                }
                (None, None) => {
                    let span = patch.toegestaan.as_ref().map_or(0..0, |(_, s)| s.clone());
                    self.push(
                        span,
                        OverrideErrorKind::MissingField {
                            field: "reden".to_string(),
                            within: format!(
                                "[{}.{}] (een verboden cel heeft een reden nodig)",
                                cell.code, cell.actie
                            ),
                        },
                    );
                    None
                }
            };
            let reason = reason?;
            if patch.tekst.is_none() && patch.toegestaan.is_some() {
                cell.text = reason.message.clone();
            }
            cell.rule = CellRule::Forbidden {
                reason,
                alternative: patch.alternatief.or(base_alternative),
            };
        }
        if let Some(t) = patch.tekst {
            cell.text = t;
        }
        if let Some(w) = patch.waarschuwingen {
            cell.warnings = w;
        }
        cell.overridden = true;
        ok.then_some(cell)
    }

    fn table<'a, 'i>(&mut self, within: &str, value: &'a Value<'i>) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.push(
                    value.span(),
                    OverrideErrorKind::WrongType {
                        field: within.to_string(),
                        expected: "een tabel",
                        found: type_name(other),
                    },
                );
                None
            }
        }
    }

    fn boolean(&mut self, field: &str, value: &Value<'_>) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.wrong_type(field, "true of false", other, value.span());
                None
            }
        }
    }

    fn wrong_type(
        &mut self,
        field: &str,
        expected: &'static str,
        found: &DeValue<'_>,
        span: Range<usize>,
    ) {
        self.push(
            span,
            OverrideErrorKind::WrongType {
                field: field.to_string(),
                expected,
                found: type_name(found),
            },
        );
    }

    fn invalid(&mut self, field: &str, span: Range<usize>, problem: impl Into<String>) {
        self.push(
            span,
            OverrideErrorKind::InvalidValue {
                field: field.to_string(),
                problem: problem.into(),
            },
        );
    }

    fn text(&mut self, field: &str, value: &Value<'_>, max_chars: usize) -> Option<String> {
        let DeValue::String(s) = value.get_ref() else {
            self.wrong_type(field, "tekst", value.get_ref(), value.span());
            return None;
        };
        let s = s.trim();
        if s.is_empty() {
            self.invalid(field, value.span(), "mag niet leeg zijn");
            None
        } else if s.chars().count() > max_chars {
            self.invalid(
                field,
                value.span(),
                format!("te lang (hoogstens {max_chars} tekens)"),
            );
            None
        } else {
            Some(s.to_string())
        }
    }

    fn name(&mut self, field: &str, value: &Value<'_>) -> Option<String> {
        self.text(field, value, MAX_NAME_CHARS)
    }

    fn code_id(&mut self, field: &str, value: &Value<'_>) -> Option<String> {
        let s = self.text(field, value, MAX_CODE_CHARS)?;
        if is_stable_code(&s) {
            Some(s)
        } else {
            self.invalid(
                field,
                value.span(),
                format!(
                    "'{s}' is geen stabiele code (kleine letters, cijfers en _, beginnend met \
                     een letter)"
                ),
            );
            None
        }
    }

    fn alternative(&mut self, field: &str, value: &Value<'_>, actie: Actie) -> Option<Actie> {
        let DeValue::String(s) = value.get_ref() else {
            self.wrong_type(field, "een actie-id", value.get_ref(), value.span());
            return None;
        };
        match s.parse::<Actie>() {
            Ok(a) if a.id() == s.as_ref() && a != actie => Some(a),
            Ok(a) if a == actie => {
                self.invalid(field, value.span(), "het alternatief is de actie zelf");
                None
            }
            _ => {
                self.push(
                    value.span(),
                    OverrideErrorKind::InvalidValue {
                        field: field.to_string(),
                        problem: format!(
                            "onbekende actie '{s}' (acties: {})",
                            Actie::ALL.map(|a| a.id()).join(", ")
                        ),
                    },
                );
                None
            }
        }
    }

    /// A whole number from 1 to `max`: 0, negatives and absurd counts are refused.
    fn count(&mut self, field: &str, value: &Value<'_>, max: u32) -> Option<u32> {
        let DeValue::Integer(i) = value.get_ref() else {
            self.wrong_type(field, "een geheel getal", value.get_ref(), value.span());
            return None;
        };
        let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
        let shown = i.to_string();
        let parsed = i128::from_str_radix(&digits, i.radix());
        match parsed {
            Ok(n) if n < 1 => {
                self.push(
                    value.span(),
                    OverrideErrorKind::NumberTooSmall {
                        field: field.to_string(),
                        value: shown,
                        min: 1,
                    },
                );
                None
            }
            Ok(n) if n <= i128::from(max) => u32::try_from(n).ok(),
            _ => {
                self.push(
                    value.span(),
                    OverrideErrorKind::NumberTooLarge {
                        field: field.to_string(),
                        value: shown,
                        max,
                    },
                );
                None
            }
        }
    }

    fn array<'a, 'i>(&mut self, field: &str, value: &'a Value<'i>) -> Option<&'a DeArray<'i>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(field, "een lijst", value.get_ref(), value.span());
            return None;
        };
        if items.len() > MAX_LIST_ENTRIES {
            self.invalid(
                field,
                value.span(),
                format!("te veel items (hoogstens {MAX_LIST_ENTRIES})"),
            );
            return None;
        }
        Some(items)
    }

    fn transports(&mut self, field: &str, value: &Value<'_>) -> Option<Vec<Transport>> {
        let items = self.array(field, value)?;
        if items.is_empty() {
            self.invalid(
                field,
                value.span(),
                "lege lijst: noem minstens één vervoerswijze (auto, lopen, fiets), of verbied de \
                 waarneming met toegestaan = false",
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            let DeValue::String(s) = item.get_ref() else {
                self.wrong_type(
                    field,
                    "een lijst van vervoerswijzen",
                    item.get_ref(),
                    item.span(),
                );
                ok = false;
                continue;
            };
            match s.parse::<Transport>() {
                Ok(t) if t.id() == s.as_ref() => {
                    if out.contains(&t) {
                        self.invalid(field, item.span(), format!("'{t}' staat er twee keer in"));
                        ok = false;
                    } else {
                        out.push(t);
                    }
                }
                _ => {
                    self.invalid(
                        field,
                        item.span(),
                        format!("onbekende vervoerswijze '{s}' (auto, lopen, fiets)"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// A list of `{ code = "...", tekst = "..." }` (plus `bij_transport` when `with_transport`).
    fn conditions(
        &mut self,
        field: &str,
        value: &Value<'_>,
        with_transport: bool,
    ) -> Option<Vec<Condition>> {
        let items = self.array(field, value)?;
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match self.condition(field, item, with_transport) {
                Some(c) => out.push(c),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn condition(
        &mut self,
        field: &str,
        item: &Value<'_>,
        with_transport: bool,
    ) -> Option<Condition> {
        let within = format!("een item van '{field}'");
        let table = match item.get_ref() {
            DeValue::Table(t) => t,
            other => {
                self.wrong_type(
                    field,
                    "een lijst van { code = \"...\", tekst = \"...\" }",
                    other,
                    item.span(),
                );
                return None;
            }
        };
        let mut code = None;
        let mut tekst = None;
        let mut transports = Vec::new();
        let mut ok = true;
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "code" => code = self.code_id(name, value),
                "tekst" => tekst = self.text(name, value, MAX_TEXT_CHARS),
                "bij_transport" if with_transport => match self.transports(name, value) {
                    Some(t) => transports = t,
                    None => ok = false,
                },
                _ => {
                    ok = false;
                    self.push(
                        key.span(),
                        OverrideErrorKind::UnknownField {
                            found: name.to_string(),
                            within: within.clone(),
                        },
                    );
                }
            }
        }
        for (name, present) in [
            ("code", table.iter().any(|(k, _)| k.get_ref() == "code")),
            ("tekst", table.iter().any(|(k, _)| k.get_ref() == "tekst")),
        ] {
            if !present {
                ok = false;
                self.push(
                    item.span(),
                    OverrideErrorKind::MissingField {
                        field: name.to_string(),
                        within: within.clone(),
                    },
                );
            }
        }
        match (code, tekst, ok) {
            (Some(code), Some(tekst), true) => Some(Condition {
                notice: Notice::new(code, tekst),
                transports,
            }),
            _ => None,
        }
    }
}
