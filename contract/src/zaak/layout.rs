//! The zaak document's schema as data: every key, its Automerge type, its bound, its id format and
//! who may write it. One source for the server's check ([`validate`] and the per-object checks
//! the sync check calls) and for the table in `server/docs/sync-protocol.md` ([`markdown_table`]),
//! so the two cannot drift apart.
//!
//! Readers elsewhere ([`super::schema`]) stay lenient (a device shows what it can); the server
//! refuses every change after which the document no longer matches this layout exactly.

use automerge::{
    AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef, ROOT,
};
use veldwerk_rules::protocol::Event;

/// The schema version this layout describes.
pub const VERSION: u64 = 1;
/// At most this many visits in one zaak (a zaak sees a handful; a few per day at most).
pub const MAX_VISITS: usize = 500;
/// At most this many entries in one visit (a long visit records a few hundred).
pub const MAX_ENTRIES_PER_VISIT: usize = 10_000;
/// At most this many handhavers assigned to one zaak.
pub const MAX_HANDHAVERS: usize = 64;
/// The stored document (snapshot plus accepted changes) may not grow beyond this.
pub const MAX_DOCUMENT_BYTES: usize = 32 << 20;
/// Bound of a single-line text of the summary (label, address parts).
pub const MAX_LINE_BYTES: usize = 256;
/// Bound of the melding's motivatie.
pub const MAX_MOTIVATIE_BYTES: usize = 8192;
/// Bound of an entry's `body` (the canonical JSON of its event; a rapport is the longest).
pub const MAX_BODY_BYTES: usize = 65_536;
/// Bound of an entry's `policy_conditions` (a JSON array of condition codes).
pub const MAX_CONDITIONS_BYTES: usize = 4096;
/// The largest integer every client can hold exactly (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_UINT: u64 = (1 << 53) - 1;

/// The format of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdFormat {
    /// `[A-Za-z0-9._-]{1,64}`: what an office gives a zaak.
    Zaak,
    /// 32 lowercase hex digits (128 random bits): visit and entry ids as devices make them.
    Random128,
    /// `dev-` and 16 lowercase hex digits: device ids as the server hands them out at enrollment.
    Device,
    /// A handhaver's user name: 1–64 bytes, no control characters.
    UserName,
    /// Lowercase hex of exactly this many digits (key ids, hashes, signatures).
    Hex(usize),
}

impl IdFormat {
    /// Whether `s` has this format.
    pub fn matches(self, s: &str) -> bool {
        let hex = |t: &str, n: usize| {
            t.len() == n && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        match self {
            IdFormat::Zaak => {
                (1..=64).contains(&s.len())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            IdFormat::Random128 => hex(s, 32),
            IdFormat::Device => s.strip_prefix("dev-").is_some_and(|h| hex(h, 16)),
            IdFormat::UserName => (1..=64).contains(&s.len()) && !has_control(s),
            IdFormat::Hex(n) => hex(s, n),
        }
    }

    /// The format as the docs give it.
    pub fn describe(self) -> String {
        match self {
            IdFormat::Zaak => "`[A-Za-z0-9._-]{1,64}`".into(),
            IdFormat::Random128 => "`[0-9a-f]{32}`".into(),
            IdFormat::Device => "`dev-[0-9a-f]{16}`".into(),
            IdFormat::UserName => "1–64 bytes, no control characters".into(),
            IdFormat::Hex(n) => format!("`[0-9a-f]{{{n}}}`"),
        }
    }
}

/// What a scalar string must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// An identifier.
    Id(IdFormat),
    /// One line: no control characters at all (labels reach terminals).
    Line(usize),
    /// Running text: no control characters except line feed.
    Paragraph(usize),
    /// One of these names.
    OneOf(&'static [&'static str]),
    /// A date `YYYY-MM-DD`.
    Date,
    /// A JSON array of condition codes (snake_case strings).
    Conditions,
    /// The canonical JSON of a protocol event (tag `soort`, see [`EVENT_BODIES`]).
    EventBody,
}

/// The Automerge type and bound of a value.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// A scalar string (Automerge `str`, in JavaScript `ImmutableString`; never a text object).
    Str(Text),
    /// A scalar string or `null`.
    NullableStr(Text),
    /// An unsigned integer (`uint`; a non-negative `int` is read as well) in `min..=max`.
    Uint { min: u64, max: u64 },
    /// A boolean.
    Bool,
    /// The boolean `true` only.
    True,
    /// A timestamp (milliseconds since 1970, years 0000–9999).
    Timestamp,
    /// A timestamp or `null`.
    NullableTimestamp,
    /// A map with exactly these keys (all required).
    Map(&'static [Field]),
    /// A map from ids of `key` to values of one kind, at most `max` entries.
    MapOf {
        key: IdFormat,
        value: &'static Node,
        max: usize,
    },
    /// A list of at most `max` items of one kind.
    List { item: &'static Node, max: usize },
}

/// Who may write a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The server alone (when it creates the document or assigns handhavers).
    Server,
    /// The device that creates the visit, once, in the change that creates it.
    VisitCreator,
    /// The device that records the entry, once, in the change that appends it.
    EntryAuthor,
}

impl Writer {
    fn describe(self) -> &'static str {
        match self {
            Writer::Server => "server",
            Writer::VisitCreator => "device, once (creating the visit)",
            Writer::EntryAuthor => "device, once (appending the entry)",
        }
    }
}

/// One key of a map.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub node: Node,
    pub writer: Writer,
}

const fn field(key: &'static str, node: Node, writer: Writer) -> Field {
    Field { key, node, writer }
}

/// `Actie` ids (`veldwerk_rules::routekaart::Actie::ALL`).
pub const ACTIES: &[&str] = &[
    "huisbezoek",
    "huisbezoek_app",
    "waarneming",
    "gesprek_op_afstand",
    "spreekkamer",
    "mobiele_unit",
    "administratief_onderzoek",
];
/// The kinds of visit (activity): every action of the routekaart can be recorded
/// (`veldwerk_rules::protocol::Activiteit`).
pub const VISIT_KINDS: &[&str] = ACTIES;
/// `Code` ids (`veldwerk_rules::routekaart::Code::ALL`).
pub const CODES: &[&str] = &["geel", "oranje", "rood"];
/// `Werkproces` names.
pub const WERKPROCESSEN: &[&str] = &["h2", "h6"];

const SERVER: Writer = Writer::Server;
const VISIT: Writer = Writer::VisitCreator;
const ENTRY: Writer = Writer::EntryAuthor;

/// The summary: the office's data of the zaak.
pub const SUMMARY_FIELDS: &[Field] = &[
    field("zaak_id", Node::Str(Text::Id(IdFormat::Zaak)), SERVER),
    field("label", Node::Str(Text::Line(MAX_LINE_BYTES)), SERVER),
    field("street", Node::Str(Text::Line(MAX_LINE_BYTES)), SERVER),
    field(
        "house_number",
        Node::Str(Text::Line(MAX_LINE_BYTES)),
        SERVER,
    ),
    field("postcode", Node::Str(Text::Line(MAX_LINE_BYTES)), SERVER),
    field("city", Node::Str(Text::Line(MAX_LINE_BYTES)), SERVER),
    field("werkproces", Node::Str(Text::OneOf(WERKPROCESSEN)), SERVER),
    field(
        "motivatie",
        Node::Str(Text::Paragraph(MAX_MOTIVATIE_BYTES)),
        SERVER,
    ),
    field("deadline", Node::NullableStr(Text::Date), SERVER),
    field(
        "handhavers",
        Node::MapOf {
            key: IdFormat::UserName,
            value: &Node::True,
            max: MAX_HANDHAVERS,
        },
        SERVER,
    ),
];

/// One entry: the signed fields of `Entry` (ADR 0002, canonical encoding format 1).
pub const ENTRY_FIELDS: &[Field] = &[
    field("entry_id", Node::Str(Text::Id(IdFormat::Random128)), ENTRY),
    field("visit_id", Node::Str(Text::Id(IdFormat::Random128)), ENTRY),
    field("device_id", Node::Str(Text::Id(IdFormat::Device)), ENTRY),
    field("key_id", Node::Str(Text::Id(IdFormat::Hex(16))), ENTRY),
    field("format", Node::Uint { min: 1, max: 1 }, ENTRY),
    field(
        "seq",
        Node::Uint {
            min: 1,
            max: MAX_SAFE_UINT,
        },
        ENTRY,
    ),
    field("recorded_at", Node::Timestamp, ENTRY),
    field("prev_hash", Node::Str(Text::Id(IdFormat::Hex(64))), ENTRY),
    field("signature", Node::Str(Text::Id(IdFormat::Hex(128))), ENTRY),
    field("policy_actie", Node::Str(Text::OneOf(ACTIES)), ENTRY),
    field("policy_allowed", Node::Bool, ENTRY),
    field("policy_conditions", Node::Str(Text::Conditions), ENTRY),
    field(
        "policy_version",
        Node::Uint {
            min: 0,
            max: MAX_SAFE_UINT,
        },
        ENTRY,
    ),
    field("policy_code", Node::Str(Text::OneOf(CODES)), ENTRY),
    field("policy_synced_at", Node::NullableTimestamp, ENTRY),
    field("body", Node::Str(Text::EventBody), ENTRY),
];

/// One entry map.
pub const ENTRY_NODE: Node = Node::Map(ENTRY_FIELDS);

/// One visit: its metadata and its entries.
pub const VISIT_FIELDS: &[Field] = &[
    field("kind", Node::Str(Text::OneOf(VISIT_KINDS)), VISIT),
    field("created_by", Node::Str(Text::Id(IdFormat::Device)), VISIT),
    field("created_at", Node::Timestamp, VISIT),
    field(
        "entries",
        Node::List {
            item: &ENTRY_NODE,
            max: MAX_ENTRIES_PER_VISIT,
        },
        VISIT,
    ),
];

/// One visit map.
pub const VISIT_NODE: Node = Node::Map(VISIT_FIELDS);

/// The document root.
pub const ROOT_FIELDS: &[Field] = &[
    field(
        "schema_version",
        Node::Uint {
            min: VERSION,
            max: VERSION,
        },
        SERVER,
    ),
    field("summary", Node::Map(SUMMARY_FIELDS), SERVER),
    field(
        "visits",
        Node::MapOf {
            key: IdFormat::Random128,
            value: &VISIT_NODE,
            max: MAX_VISITS,
        },
        SERVER,
    ),
];

/// The whole document.
pub const DOCUMENT: Node = Node::Map(ROOT_FIELDS);

/// Where the document breaks the layout, and which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {}", .rule.message())]
pub struct SchemaViolation {
    /// Dotted path, list items as `[i]`, e.g. `visits.<id>.entries[3].body`.
    pub path: String,
    pub rule: Rule,
}

/// The rule a value breaks; [`Rule::code`] is its stable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    UnknownKey,
    Missing,
    /// More than one value at a key (concurrent writes).
    Conflict,
    WrongType {
        expected: &'static str,
    },
    TooLong {
        max: usize,
    },
    TooMany {
        max: usize,
    },
    OutOfRange,
    ControlCharacter,
    BadFormat {
        format: String,
    },
    NotOneOf,
    BadDate,
    BadConditions,
    BadEvent {
        detail: String,
    },
    /// A visit or entry names another visit or device than where it stands.
    Inconsistent {
        detail: String,
    },
}

impl Rule {
    /// The stable snake_case name of the rule.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::UnknownKey => "map_key_unknown",
            Rule::Missing => "map_key_missing",
            Rule::Conflict => "value_conflicting",
            Rule::WrongType { .. } => "type_wrong",
            Rule::TooLong { .. } => "text_too_long",
            Rule::TooMany { .. } => "items_too_many",
            Rule::OutOfRange => "number_out_of_range",
            Rule::ControlCharacter => "text_control_character",
            Rule::BadFormat { .. } => "id_format_invalid",
            Rule::NotOneOf => "name_unknown",
            Rule::BadDate => "date_invalid",
            Rule::BadConditions => "conditions_invalid",
            Rule::BadEvent { .. } => "event_invalid",
            Rule::Inconsistent { .. } => "reference_inconsistent",
        }
    }

    /// The rule in Dutch, with its code.
    pub fn message(&self) -> String {
        let text = match self {
            Rule::UnknownKey => "onbekende sleutel".to_owned(),
            Rule::Missing => "ontbreekt".to_owned(),
            Rule::Conflict => "meer dan één waarde".to_owned(),
            Rule::WrongType { expected } => format!("verkeerd type (verwacht {expected})"),
            Rule::TooLong { max } => format!("langer dan {max} bytes"),
            Rule::TooMany { max } => format!("meer dan {max} onderdelen"),
            Rule::OutOfRange => "getal buiten het toegestane bereik".to_owned(),
            Rule::ControlCharacter => "bevat stuurtekens".to_owned(),
            Rule::BadFormat { format } => format!("heeft niet de vorm {format}"),
            Rule::NotOneOf => "onbekende waarde".to_owned(),
            Rule::BadDate => "geen datum (JJJJ-MM-DD)".to_owned(),
            Rule::BadConditions => "geen JSON-lijst van voorwaarden".to_owned(),
            Rule::BadEvent { detail } => format!("geen geldige gebeurtenis ({detail})"),
            Rule::Inconsistent { detail } => detail.clone(),
        };
        format!("{text} [{}]", self.code())
    }
}

fn violation(path: &str, rule: Rule) -> SchemaViolation {
    SchemaViolation {
        path: path.to_owned(),
        rule,
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Checks a text against its rule (used for the summary's fields by the server's zaak
/// creation too).
pub fn check_text(text: Text, s: &str) -> Result<(), Rule> {
    let bounded = |max: usize| {
        if s.len() > max {
            Err(Rule::TooLong { max })
        } else {
            Ok(())
        }
    };
    match text {
        Text::Id(format) => {
            if format.matches(s) {
                Ok(())
            } else {
                Err(Rule::BadFormat {
                    format: format.describe(),
                })
            }
        }
        Text::Line(max) => {
            bounded(max)?;
            if has_control(s) {
                return Err(Rule::ControlCharacter);
            }
            Ok(())
        }
        Text::Paragraph(max) => {
            bounded(max)?;
            if s.chars().any(|c| c.is_control() && c != '\n') {
                return Err(Rule::ControlCharacter);
            }
            Ok(())
        }
        Text::OneOf(names) => {
            if names.contains(&s) {
                Ok(())
            } else {
                Err(Rule::NotOneOf)
            }
        }
        Text::Date => {
            if s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                Ok(())
            } else {
                Err(Rule::BadDate)
            }
        }
        Text::Conditions => {
            bounded(MAX_CONDITIONS_BYTES)?;
            match serde_json::from_str::<Vec<String>>(s) {
                Ok(list)
                    if list.iter().all(|c| {
                        !c.is_empty()
                            && c.len() <= 64
                            && c.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    }) =>
                {
                    Ok(())
                }
                _ => Err(Rule::BadConditions),
            }
        }
        Text::EventBody => {
            bounded(MAX_BODY_BYTES)?;
            let value: serde_json::Value = serde_json::from_str(s).map_err(|e| Rule::BadEvent {
                detail: e.to_string(),
            })?;
            // Canonical: what the device signed is what any reader re-encodes.
            if crate::evidence::canonical_json(&value) != s {
                return Err(Rule::BadEvent {
                    detail: "niet de canonieke JSON-vorm".into(),
                });
            }
            serde_json::from_value::<Event>(value).map_err(|e| Rule::BadEvent {
                detail: e.to_string(),
            })?;
            Ok(())
        }
    }
}

/// Checks one scalar against a scalar node.
fn check_scalar(node: &Node, value: &ScalarValueRef<'_>) -> Result<(), Rule> {
    let wrong = |expected: &'static str| Err(Rule::WrongType { expected });
    match (node, value) {
        (Node::NullableStr(_) | Node::NullableTimestamp, ScalarValueRef::Null) => Ok(()),
        (Node::Str(t) | Node::NullableStr(t), ScalarValueRef::Str(s)) => check_text(*t, s),
        (Node::Str(_), _) => wrong("str"),
        (Node::NullableStr(_), _) => wrong("str of null"),
        (Node::Uint { min, max }, v) => {
            let n = match v {
                ScalarValueRef::Uint(n) => *n,
                ScalarValueRef::Int(n) if *n >= 0 => *n as u64,
                _ => return wrong("uint"),
            };
            if (*min..=*max).contains(&n) {
                Ok(())
            } else {
                Err(Rule::OutOfRange)
            }
        }
        (Node::Bool, ScalarValueRef::Boolean(_)) => Ok(()),
        (Node::Bool, _) => wrong("boolean"),
        (Node::True, ScalarValueRef::Boolean(true)) => Ok(()),
        (Node::True, _) => wrong("true"),
        (Node::Timestamp | Node::NullableTimestamp, ScalarValueRef::Timestamp(ms)) => {
            const MAX_MS: i64 = 253_402_300_799_999;
            const MIN_MS: i64 = -62_167_219_200_000;
            if (MIN_MS..=MAX_MS).contains(ms) {
                Ok(())
            } else {
                Err(Rule::OutOfRange)
            }
        }
        (Node::Timestamp, _) => wrong("timestamp"),
        (Node::NullableTimestamp, _) => wrong("timestamp of null"),
        (Node::Map(_) | Node::MapOf { .. }, _) => wrong("map"),
        (Node::List { .. }, _) => wrong("list"),
    }
}

/// The one value at `obj[key]`: a conflict (several values) is a violation.
fn single<'a>(
    doc: &'a AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Option<(Value<'a>, ObjId)>, SchemaViolation> {
    let mut all = doc
        .get_all(obj, key)
        .map_err(|_| violation(path, Rule::Missing))?;
    if all.len() > 1 {
        return Err(violation(path, Rule::Conflict));
    }
    Ok(all.pop())
}

/// Checks one value (read by `map_range` or `list_range`, which flag conflicts) against `node`,
/// descending into objects; `id` gives the object's id when it is one.
fn check_value(
    doc: &AutoCommit,
    value: &ValueRef<'_>,
    id: &dyn Fn() -> ObjId,
    node: &Node,
    path: &str,
) -> Result<(), SchemaViolation> {
    match (node, value) {
        (_, ValueRef::Scalar(s)) => check_scalar(node, s).map_err(|rule| violation(path, rule)),
        (Node::Map(fields), ValueRef::Object(ObjType::Map)) => check_map(doc, &id(), fields, path),
        (Node::MapOf { key, value, max }, ValueRef::Object(ObjType::Map)) => {
            let obj = id();
            if doc.length(&obj) > *max {
                return Err(violation(path, Rule::TooMany { max: *max }));
            }
            for item in doc.map_range(&obj, ..) {
                let p = format!("{path}.{}", item.key);
                if !key.matches(&item.key) {
                    return Err(violation(
                        &p,
                        Rule::BadFormat {
                            format: key.describe(),
                        },
                    ));
                }
                if item.conflict {
                    return Err(violation(&p, Rule::Conflict));
                }
                check_value(doc, &item.value, &|| item.id(), value, &p)?;
            }
            Ok(())
        }
        (Node::List { item: node, max }, ValueRef::Object(ObjType::List)) => {
            let obj = id();
            if doc.length(&obj) > *max {
                return Err(violation(path, Rule::TooMany { max: *max }));
            }
            for item in doc.list_range(&obj, ..) {
                let p = format!("{path}[{}]", item.index);
                if item.conflict {
                    return Err(violation(&p, Rule::Conflict));
                }
                check_value(doc, &item.value, &|| item.id(), node, &p)?;
            }
            Ok(())
        }
        (Node::Map(_) | Node::MapOf { .. }, ValueRef::Object(_)) => {
            Err(violation(path, Rule::WrongType { expected: "map" }))
        }
        (Node::List { .. }, ValueRef::Object(_)) => {
            Err(violation(path, Rule::WrongType { expected: "list" }))
        }
        (_, ValueRef::Object(_)) => Err(violation(
            path,
            Rule::WrongType {
                expected: scalar_name(node),
            },
        )),
    }
}

fn scalar_name(node: &Node) -> &'static str {
    match node {
        Node::Str(_) => "str (geen tekstobject)",
        Node::NullableStr(_) => "str of null",
        Node::Uint { .. } => "uint",
        Node::Bool | Node::True => "boolean",
        Node::Timestamp => "timestamp",
        Node::NullableTimestamp => "timestamp of null",
        Node::Map(_) | Node::MapOf { .. } => "map",
        Node::List { .. } => "list",
    }
}

/// A map with exactly `fields`: no unknown key, none missing, none conflicting. One pass of
/// `map_range` (a `get` per key costs Automerge several times more).
fn check_map(
    doc: &AutoCommit,
    obj: &ObjId,
    fields: &[Field],
    path: &str,
) -> Result<(), SchemaViolation> {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    let mut seen = vec![false; fields.len()];
    for item in doc.map_range(obj, ..) {
        let Some(i) = fields.iter().position(|f| f.key == item.key) else {
            return Err(violation(&join(&item.key), Rule::UnknownKey));
        };
        if item.conflict {
            return Err(violation(&join(&item.key), Rule::Conflict));
        }
        seen[i] = true;
        check_value(
            doc,
            &item.value,
            &|| item.id(),
            &fields[i].node,
            &join(&item.key),
        )?;
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(violation(&join(fields[i].key), Rule::Missing));
    }
    Ok(())
}

/// Checks the whole document against the layout (every value, every conflicting value too),
/// and that each visit's entries name their visit.
pub fn validate(doc: &AutoCommit) -> Result<(), SchemaViolation> {
    check_map(doc, &ROOT, ROOT_FIELDS, "")?;
    if let Some((_, visits)) = single(doc, &ROOT, "visits", "visits")? {
        for visit_id in doc.keys(&visits).collect::<Vec<_>>() {
            if let Some((_, v)) = single(doc, &visits, &visit_id, &format!("visits.{visit_id}"))? {
                check_references(doc, &visit_id, &v, None)?;
            }
        }
    }
    Ok(())
}

/// The root alone: its keys, `schema_version`, `summary` and `visits` single maps, at most
/// [`MAX_VISITS`] visits with well-formed ids. What a change may not alter beyond it is the
/// sync check's to prove ([`super::changes`]).
pub fn validate_root(doc: &AutoCommit) -> Result<(), SchemaViolation> {
    let mut seen = [false; 3];
    for item in doc.map_range(&ROOT, ..) {
        let key = item.key.as_ref();
        let Some(i) = ROOT_FIELDS.iter().position(|f| f.key == key) else {
            return Err(violation(key, Rule::UnknownKey));
        };
        if item.conflict {
            return Err(violation(key, Rule::Conflict));
        }
        seen[i] = true;
        match (&ROOT_FIELDS[i].node, &item.value) {
            (node @ Node::Uint { .. }, ValueRef::Scalar(v)) => {
                check_scalar(node, v).map_err(|rule| violation(key, rule))?
            }
            (Node::MapOf { max, .. }, ValueRef::Object(ObjType::Map)) => {
                if doc.length(item.id()) > *max {
                    return Err(violation(key, Rule::TooMany { max: *max }));
                }
            }
            (Node::Map(_), ValueRef::Object(ObjType::Map)) => {}
            (node, _) => {
                return Err(violation(
                    key,
                    Rule::WrongType {
                        expected: scalar_name(node),
                    },
                ))
            }
        }
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(violation(ROOT_FIELDS[i].key, Rule::Missing));
    }
    Ok(())
}

/// A whole visit (metadata, the entries list and every entry in it), and that its entries name
/// it. `created_by`, when given, is the device the visit must name (a new visit's sender).
pub fn validate_visit(
    doc: &AutoCommit,
    visit_id: &str,
    visit: &ObjId,
    created_by: Option<&str>,
) -> Result<(), SchemaViolation> {
    let path = format!("visits.{visit_id}");
    if !IdFormat::Random128.matches(visit_id) {
        return Err(violation(
            &path,
            Rule::BadFormat {
                format: IdFormat::Random128.describe(),
            },
        ));
    }
    check_map(doc, visit, VISIT_FIELDS, &path)?;
    check_references(doc, visit_id, visit, created_by)
}

/// One entry map at `index` of a visit's entries list, with its `visit_id` and, when given, its
/// `device_id` (the sender of a new entry).
pub fn validate_entry(
    doc: &AutoCommit,
    visit_id: &str,
    index: usize,
    entry: &ObjId,
    device_id: Option<&str>,
) -> Result<(), SchemaViolation> {
    let path = format!("visits.{visit_id}.entries[{index}]");
    match doc.object_type(entry) {
        Ok(ObjType::Map) => {}
        _ => return Err(violation(&path, Rule::WrongType { expected: "map" })),
    }
    check_map(doc, entry, ENTRY_FIELDS, &path)?;
    check_entry_refs(doc, visit_id, entry, device_id, &path)
}

/// The number of entries in a visit's entries list, bounded.
pub fn validate_entry_count(
    doc: &AutoCommit,
    visit_id: &str,
    list: &ObjId,
) -> Result<(), SchemaViolation> {
    if doc.length(list) > MAX_ENTRIES_PER_VISIT {
        return Err(violation(
            &format!("visits.{visit_id}.entries"),
            Rule::TooMany {
                max: MAX_ENTRIES_PER_VISIT,
            },
        ));
    }
    Ok(())
}

fn str_at(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn check_entry_refs(
    doc: &AutoCommit,
    visit_id: &str,
    entry: &ObjId,
    device_id: Option<&str>,
    path: &str,
) -> Result<(), SchemaViolation> {
    if str_at(doc, entry, "visit_id").as_deref() != Some(visit_id) {
        return Err(violation(
            &format!("{path}.visit_id"),
            Rule::Inconsistent {
                detail: "noemt een ander huisbezoek".into(),
            },
        ));
    }
    if let Some(device) = device_id {
        if str_at(doc, entry, "device_id").as_deref() != Some(device) {
            return Err(violation(
                &format!("{path}.device_id"),
                Rule::Inconsistent {
                    detail: "noemt een ander apparaat dan de afzender".into(),
                },
            ));
        }
    }
    Ok(())
}

fn check_references(
    doc: &AutoCommit,
    visit_id: &str,
    visit: &ObjId,
    created_by: Option<&str>,
) -> Result<(), SchemaViolation> {
    let path = format!("visits.{visit_id}");
    if let Some(device) = created_by {
        if str_at(doc, visit, "created_by").as_deref() != Some(device) {
            return Err(violation(
                &format!("{path}.created_by"),
                Rule::Inconsistent {
                    detail: "noemt een ander apparaat dan de afzender".into(),
                },
            ));
        }
    }
    if let Some((_, list)) = single(doc, visit, "entries", &format!("{path}.entries"))? {
        for (i, item) in doc.list_range(&list, ..).enumerate() {
            let p = format!("{path}.entries[{i}]");
            check_entry_refs(doc, visit_id, &item.id(), created_by, &p)?;
        }
    }
    Ok(())
}

/// The fields of one event kind's body (besides `soort`): name, JSON type, whether it may be
/// left out.
#[derive(Debug, Clone, Copy)]
pub struct EventBody {
    pub soort: &'static str,
    pub fields: &'static [(&'static str, &'static str, bool)],
}

const ROL: &str = "string: `bewoner`, `partner`, `medebewoner`";
const LEEFTIJD: (&str, &str) = (
    "leeftijd",
    "string `volwassen`, `minderjarig` or null (a device refuses it null)",
);

/// The body of every event kind (`veldwerk_rules::protocol::Event`, tag `soort`). The unit test
/// `event_bodies_match_the_protocol` builds a body from each row and parses it as an `Event`.
pub const EVENT_BODIES: &[EventBody] = &[
    EventBody {
        soort: "aanleiding",
        fields: &[
            ("actie", "string: the visit's `kind`", false),
            (
                "grondslag",
                "object, tag `soort`: `concrete_aanwijzing` {`feiten`: array of {`omschrijving`: string, `bron`: `anonieme_melding`, `melding_op_naam`, `dossier`, `register`, `ib_signaal`, `waarneming`, `instantie` or `internet` (a device accepts `internet` only once an `internetonderzoek` is recorded in the zaak)}, `geraadpleegde_bronnen`: array of string, `waarom_niet_minder_ingrijpend`: string}; `twijfel_zonder_aanwijzing` {`twijfel`, `andere_wijze_onderzocht`: string}; `dienstverlening` {`reden`: string}",
                false,
            ),
        ],
    },
    EventBody {
        soort: "aankondiging",
        fields: &[
            ("wijze", "string: `aangekondigd`, `onaangekondigd`", false),
            ("toelichting", "string or null", true),
        ],
    },
    EventBody {
        soort: "aan_de_deur",
        fields: &[
            ("handhavers", "array of string", false),
            ("leider", "string", false),
            ("minderjarigen_aanwezig", "bool or null", true),
        ],
    },
    EventBody {
        soort: "niemand_aanwezig",
        fields: &[("toelichting", "string or null", true)],
    },
    EventBody {
        soort: "niet_in_staat",
        fields: &[
            ("toelichting", "string", false),
            (
                "reden",
                "string `taal`, `ziekte`, `verwardheid` or null (a device refuses it null)",
                true,
            ),
            ("tolk_taal", "string or null (required with reden `taal`)", true),
            ("tolk", "string or null", true),
            ("vervolg", "string or null (a device refuses it empty)", true),
            ("nieuwe_afspraak", "string `YYYY-MM-DD` or null", true),
        ],
    },
    EventBody {
        soort: "legitimatie_en_doel",
        fields: &[
            ("legitimatie_getoond", "bool", false),
            ("doel", "string", false),
        ],
    },
    EventBody {
        soort: "toestemming_gevraagd",
        fields: &[
            ("variant", "string: `a`, `b`, `dienstverlening`", false),
            ("tekst", "string", false),
            ("tekst_hash", "string (lowercase hex SHA-256 of `tekst`)", false),
            (
                "aanleiding",
                "string (the aanleiding told at the door; a device refuses it empty)",
                true,
            ),
            (
                "tolk",
                "{`naam`: string, `taal`: string (the language the text was told in)} or null",
                true,
            ),
        ],
    },
    EventBody {
        soort: "toestemming_gegeven",
        fields: &[
            ("door", "string", false),
            ("rol", ROL, false),
            (LEEFTIJD.0, LEEFTIJD.1, true),
            ("onderwerp_van_twijfel", "bool", true),
        ],
    },
    EventBody {
        soort: "toestemming_geweigerd",
        fields: &[
            ("door", "string", false),
            ("rol", ROL, false),
            ("gewezen_op_gevolgen", "bool", true),
            (LEEFTIJD.0, LEEFTIJD.1, true),
            ("onderwerp_van_twijfel", "bool", true),
            (
                "uitgesloten_ruimtes",
                "array of string (the rooms a refusal by someone else than the belanghebbende closes)",
                true,
            ),
        ],
    },
    EventBody {
        soort: "binnentreden",
        fields: &[],
    },
    EventBody {
        soort: "toestemming_ingetrokken",
        fields: &[("door", "string", false), ("rol", ROL, false)],
    },
    EventBody {
        soort: "extra_toestemming",
        fields: &[
            (
                "onderwerp",
                "string: `kamer_andere_bewoner`, `kasten_openen`, `fotos`",
                false,
            ),
            ("ruimte", "string or null", true),
            ("door", "string", false),
            ("rol", ROL, false),
            ("gegeven", "bool", false),
        ],
    },
    EventBody {
        soort: "waarneming",
        fields: &[
            ("ruimte", "string", false),
            ("tekst", "string", false),
            ("foto", "string or null (lowercase hex SHA-256 of the photo)", true),
            ("kast_geopend", "bool", true),
            ("kamer_van", "string or null", true),
        ],
    },
    EventBody {
        soort: "correctie",
        fields: &[
            ("corrigeert", "string (an entry id)", false),
            ("tekst", "string", false),
        ],
    },
    EventBody {
        soort: "afsluiting",
        fields: &[("toelichting", "string or null", true)],
    },
    EventBody {
        soort: "rapport",
        fields: &[
            ("tekst", "string", false),
            (
                "opgemaakt_door",
                "array of {`handhaver`: string, `verklaring`: `ambtseed` or `ambtsbelofte`}",
                false,
            ),
        ],
    },
    EventBody {
        soort: "uitnodiging_bespreking",
        fields: &[
            ("datum", "string `YYYY-MM-DD` or null", true),
            ("toelichting", "string or null", true),
        ],
    },
    EventBody {
        soort: "bezoek_afgebroken",
        fields: &[("reden", "string", false)],
    },
    EventBody {
        soort: "toestemmingsconflict_beslecht",
        fields: &[
            ("door", "string (the leider of the visit)", false),
            ("uitkomst", "string: `gegeven`, `geweigerd`", false),
            ("toelichting", "string", false),
        ],
    },
    EventBody {
        soort: "waarneming_ter_plaatse_gestart",
        fields: &[
            ("handhavers", "array of string", false),
            ("leider", "string (one of `handhavers`)", false),
            ("vervoer", "string: `auto`, `lopen`, `fiets`", false),
            (
                "medewerkers_per_auto",
                "integer ≥ 1 or null (required with `auto`)",
                true,
            ),
        ],
    },
    EventBody {
        soort: "waarneming_ter_plaatse",
        fields: &[
            ("plek", "string", false),
            ("tekst", "string", false),
            (
                "vanaf_openbare_weg",
                "bool (must be true: a waarneming ter plaatse never enters)",
                false,
            ),
            ("waargenomen_om", "RFC 3339 string or null", true),
        ],
    },
    EventBody {
        soort: "gesprek_gestart",
        fields: &[
            ("met", "string", false),
            ("rol", ROL, false),
            (
                "wijze",
                "string: `telefoon`, `video` (gesprek op afstand), `persoonlijk` (spreekkamer, mobiele unit)",
                false,
            ),
            ("handhavers", "array of string", false),
            ("leider", "string (one of `handhavers`)", false),
        ],
    },
    EventBody {
        soort: "vraag_beantwoord",
        fields: &[
            ("vragenlijst", "string (the id of the organisation's vragenlijst)", false),
            ("versie", "integer (its version)", false),
            ("sleutel", "string (the question's id, or `id#n` for repetition n)", false),
            (
                "antwoord",
                "object, tag `soort` with `waarde`: `ja_nee` bool, `getal` integer, `keuze` array of string, `tekst` string, `fotos` array of SHA-256 hex, `meterstand` {`stand`: string, `foto`: SHA-256 hex}",
                false,
            ),
            ("door", "string (the client who answered)", false),
        ],
    },
    EventBody {
        soort: "vragenlijst_ondertekend",
        fields: &[
            ("door", "string", false),
            (
                "handtekening",
                "{`breedte`, `hoogte`: integer, `strepen`: array of strokes, each an array of [x, y] integer points}",
                false,
            ),
        ],
    },
    EventBody {
        soort: "aanwijzing_gestuurd",
        fields: &[("door", "string", false), ("tekst", "string", false)],
    },
    EventBody {
        soort: "internetonderzoek",
        fields: &[
            ("door", "string", false),
            ("bronnen", "array of string", false),
            ("waarom_evenredig", "string", false),
            ("waarom_niet_minder_ingrijpend", "string", false),
            ("bevindingen", "string", false),
        ],
    },
];

fn node_type(node: &Node) -> String {
    match node {
        Node::Str(_) => "str".into(),
        Node::NullableStr(_) => "str or null".into(),
        Node::Uint { .. } => "uint".into(),
        Node::Bool => "boolean".into(),
        Node::True => "boolean `true`".into(),
        Node::Timestamp => "timestamp".into(),
        Node::NullableTimestamp => "timestamp or null".into(),
        Node::Map(_) => "map".into(),
        Node::MapOf { .. } => "map".into(),
        Node::List { .. } => "list".into(),
    }
}

fn text_bound(text: &Text) -> String {
    let quoted = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match text {
        Text::Id(f) => f.describe(),
        Text::Line(max) => format!("≤ {max} bytes, no control characters"),
        Text::Paragraph(max) => format!("≤ {max} bytes, no control characters but line feed"),
        Text::OneOf(names) => format!("one of {}", quoted(names)),
        Text::Date => "`YYYY-MM-DD`".into(),
        Text::Conditions => format!(
            "JSON array of condition codes (`[a-z0-9_]{{1,64}}`), ≤ {MAX_CONDITIONS_BYTES} bytes"
        ),
        Text::EventBody => format!(
            "canonical JSON of an event (section \"Event bodies\"), ≤ {MAX_BODY_BYTES} bytes"
        ),
    }
}

fn node_bound(node: &Node) -> String {
    match node {
        Node::Str(t) | Node::NullableStr(t) => text_bound(t),
        Node::Uint { min, max } if min == max => format!("exactly {min}"),
        Node::Uint { min, max } => format!("{min} – {max}"),
        Node::Bool | Node::True => String::new(),
        Node::Timestamp | Node::NullableTimestamp => {
            "milliseconds since 1970, years 0000–9999".into()
        }
        Node::Map(_) => "exactly the keys below".into(),
        Node::MapOf { key, max, .. } => {
            format!("≤ {max} keys, each {}", key.describe())
        }
        Node::List { max, .. } => format!("≤ {max} items"),
    }
}

fn rows(fields: &[Field], path: &str, out: &mut Vec<String>) {
    for f in fields {
        let p = if path.is_empty() {
            f.key.to_owned()
        } else {
            format!("{path}.{}", f.key)
        };
        out.push(format!(
            "| `{p}` | {} | {} | {} |",
            node_type(&f.node),
            node_bound(&f.node),
            f.writer.describe()
        ));
        match &f.node {
            Node::Map(inner) => rows(inner, &p, out),
            Node::MapOf { value, .. } => {
                let p = format!("{p}.<key>");
                if let Node::Map(inner) = value {
                    let writer = inner.first().map_or(f.writer, |first| first.writer);
                    out.push(format!(
                        "| `{p}` | map | exactly the keys below | {} |",
                        writer.describe()
                    ));
                    rows(inner, &p, out);
                } else {
                    out.push(format!(
                        "| `{p}` | {} | {} | {} |",
                        node_type(value),
                        node_bound(value),
                        f.writer.describe()
                    ));
                }
            }
            Node::List {
                item: Node::Map(inner),
                ..
            } => {
                let p = format!("{p}[i]");
                out.push(format!(
                    "| `{p}` | map | exactly the keys below | {} |",
                    Writer::EntryAuthor.describe()
                ));
                rows(inner, &p, out);
            }
            _ => {}
        }
    }
}

/// The markdown of the schema section's tables (document layout, event bodies), as
/// `server/docs/sync-protocol.md` holds it between its generated markers.
pub fn markdown_table() -> String {
    let mut out = vec![
        "| path | Automerge type | bound | written by |".to_owned(),
        "|---|---|---|---|".to_owned(),
    ];
    let visits_key = ROOT_FIELDS
        .iter()
        .map(|f| f.key)
        .collect::<Vec<_>>()
        .join("`, `");
    rows(ROOT_FIELDS, "", &mut out);
    out.push(String::new());
    out.push(format!(
        "The root holds exactly `{visits_key}`. Every key of a map is required (one whose type \
         says `or null` holds `null` when empty); no key may hold two conflicting values. The stored document (snapshot \
         and accepted changes) stays under {} MiB.",
        MAX_DOCUMENT_BYTES >> 20
    ));
    out.push(String::new());
    out.push("#### Event bodies".to_owned());
    out.push(String::new());
    out.push("| `soort` | field | JSON type | may be left out |".to_owned());
    out.push("|---|---|---|---|".to_owned());
    for body in EVENT_BODIES {
        if body.fields.is_empty() {
            out.push(format!("| `{}` | (none) | | |", body.soort));
        }
        for (name, ty, optional) in body.fields {
            out.push(format!(
                "| `{}` | `{name}` | {ty} | {} |",
                body.soort,
                if *optional { "yes" } else { "no" }
            ));
        }
    }
    out.push(String::new());
    out.push(
        "Which `soort` may follow which depends on the visit's `kind` \
         (`veldwerk_rules::protocol::Activiteit`): a huisbezoek goes from `aankondiging` through \
         the door and consent to `waarneming`en; a `waarneming` visit from \
         `waarneming_ter_plaatse_gestart` to `waarneming_ter_plaatse`; a gesprek \
         (`gesprek_op_afstand`, `spreekkamer`, `mobiele_unit`) from `gesprek_gestart` to its \
         verslag, the `rapport`; an `administratief_onderzoek` records `internetonderzoek`en. \
         Inside the digital tour of a `huisbezoek_app` the client answers the vragenlijst \
         (`vraag_beantwoord`) and signs once (`vragenlijst_ondertekend`); the handhaver watching \
         may send hints (`aanwijzing_gestuurd`). \
         Every kind starts with `aanleiding` and ends with `afsluiting` (or \
         `bezoek_afgebroken`), `rapport`, `correctie` and `uitnodiging_bespreking`."
            .to_owned(),
    );
    out.push(String::new());
    out.push(format!(
        "A `waarneming`, `waarneming_ter_plaatse`, `internetonderzoek` or `rapport` body whose \
         text was signed despite factual-language \
         warnings also holds `{}`: an array of {{`code`, `melding`, `fragment`: string}}, the \
         warnings shown before signing; left out when there are none.",
        crate::evidence::TAALWAARSCHUWINGEN
    ));
    out.push(String::new());
    out.push(format!(
        "A `toestemming_gegeven`, `toestemming_geweigerd`, `toestemming_ingetrokken`, \
         `vraag_beantwoord` or `vragenlijst_ondertekend` body the client stated on their own \
         phone also holds `{}`: {{`binding`: {{`sessie`, `zaak`, `bezoek`, `sleutel`, \
         `gebonden_om`: string}}, `binding_handtekening`, `n`, `tekst_hash`, `handtekening`}}; \
         the server refuses the entry unless the organisation signed the binding and the session \
         key signed the event's client part (`server/docs/app-sessie.md`).",
        crate::evidence::klantverklaring::KLANTVERKLARING
    ));
    out.join("\n") + "\n"
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
