//! The OpenAPI 3.1 description served at `/v1/openapi.json`, written by hand; a test checks it
//! lists exactly the routes of `veldwerk_contract::api::ROUTES`, another that the router serves
//! exactly those.

use serde_json::{json, Value};

fn err(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub fn document() -> Value {
    let device = json!([{ "deviceSignature": [] }]);
    let console = json!([{ "bearer": [] }, { "cookie": [] }]);
    let id_param =
        json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }]);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Veldwerk server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Enrollment, signed device requests, the organisation's signed policy and the supervisor console. Errors are {code, message} with a stable code and a Dutch message. Times are seconds since the Unix epoch unless stated."
        },
        "paths": {
            "/healthz": { "get": { "summary": "Liveness and store check", "responses": { "200": ok("ok", json!({"type": "object"})) } } },
            "/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": ok("OpenAPI", json!({"type": "object"})) } } },
            "/v1/enroll": { "post": {
                "summary": "Enroll a device with a one-time code",
                "requestBody": body(r("EnrollRequest")),
                "responses": { "200": ok("enrolled", r("EnrollResponse")), "400": err("public_key_invalid / body_invalid"), "401": err("enroll_code_invalid"), "409": err("public_key_in_use") }
            }},
            "/v1/policy": { "get": {
                "summary": "The newest signed policy bundle", "security": device,
                "responses": { "200": ok("bundle", r("PolicyResponse")), "401": err("signature_missing / signature_malformed / signature_invalid / request_stale / request_replayed / device_unknown"), "403": err("device_revoked (instruction: wipe)") }
            }},
            "/v1/sync": { "post": {
                "summary": "One sync round trip: CBOR envelope of per-zaak Automerge sync messages (docs/sync-protocol.md)", "security": device,
                "requestBody": { "required": true, "content": { "application/cbor": { "schema": r("SyncRequest") } } },
                "responses": { "200": { "description": "the answer", "content": { "application/cbor": { "schema": r("SyncResponse") } } },
                    "400": err("envelope_malformed / envelope_invalid / protocol_unsupported"), "401": err("signature_missing / signature_invalid / request_stale / request_replayed / device_unknown"),
                    "403": err("device_revoked (instruction: wipe)"), "413": err("body_too_large / envelope_too_large"), "415": err("content_type_unsupported") }
            }},
            "/v1/session": {
                "post": { "summary": "Sign in with a password", "requestBody": body(r("SignIn")),
                    "responses": { "200": ok("signed in; also sets the veldwerk_session cookie", r("Session")), "401": err("credentials_invalid"), "429": err("account_locked") } },
                "delete": { "summary": "Sign out", "security": console, "responses": { "204": { "description": "signed out" }, "401": err("not_signed_in") } }
            },
            "/v1/code": {
                "get": { "summary": "The active code", "security": console, "responses": { "200": ok("active code", r("CodeState")), "401": err("not_signed_in"), "403": err("forbidden_role") } },
                "post": { "summary": "Switch the active code", "security": console, "requestBody": body(r("SetCode")),
                    "responses": { "200": ok("switched; a new policy version", r("CodeState")), "400": err("code_unknown / reason_required"), "403": err("forbidden_role / csrf_token_invalid") } }
            },
            "/v1/audit": { "get": { "summary": "Audit log rows, newest first, and the chain check", "security": console,
                "parameters": [{ "name": "limit", "in": "query", "schema": { "type": "integer", "maximum": 1000 } }],
                "responses": { "200": ok("rows", r("Audit")), "403": err("forbidden_role") } } },
            "/v1/devices": { "get": { "summary": "Enrolled devices", "security": console,
                "responses": { "200": ok("devices", json!({ "type": "array", "items": r("Device") })), "403": err("forbidden_role") } } },
            "/v1/devices/{id}/revoke": { "post": { "summary": "Revoke a device", "security": console, "parameters": id_param,
                "responses": { "200": ok("revoked", r("Device")), "404": err("device_not_found") } } },
            "/v1/flags": { "get": { "summary": "Actions recorded under an outdated code", "security": console,
                "parameters": [{ "name": "all", "in": "query", "schema": { "type": "boolean" } }],
                "responses": { "200": ok("flags", json!({ "type": "array", "items": r("Flag") })) } } },
            "/v1/flags/{id}/resolve": { "post": { "summary": "Resolve a flag", "security": console,
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": body(json!({ "type": "object", "required": ["resolution"], "properties": { "resolution": { "type": "string" } } })),
                "responses": { "200": ok("resolved", r("Flag")), "404": err("flag_not_found"), "409": err("flag_already_resolved") } } }
        },
        "components": {
            "securitySchemes": {
                "deviceSignature": { "type": "apiKey", "in": "header", "name": "x-veldwerk-signature",
                    "description": "Ed25519 signature by the device key over the canonical string (see docs/api.md), with x-veldwerk-device, x-veldwerk-timestamp and x-veldwerk-nonce." },
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "veldwerk_session", "description": "State-changing requests also need the x-csrf-token header." }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string" }, "message": { "type": "string" }, "instruction": { "type": "string", "enum": ["wipe"] } } },
                "EnrollRequest": { "type": "object", "required": ["code", "public_key"], "properties": {
                    "code": { "type": "string" }, "public_key": { "type": "string", "description": "32 bytes, hex" } } },
                "SignedPolicy": { "type": "object", "required": ["payload", "signature"], "properties": {
                    "payload": { "type": "string", "description": "PolicyBundle as JSON text" },
                    "signature": { "type": "string", "description": "hex Ed25519 over 'veldwerk-policy-v1\\n' + payload" } } },
                "EnrollResponse": { "type": "object", "properties": {
                    "device_id": { "type": "string" }, "user": { "type": "string" }, "organisation": { "type": "string" },
                    "org_public_key": { "type": "string" }, "policy_version": { "type": "integer" }, "policy": r("SignedPolicy") } },
                "PolicyResponse": { "type": "object", "properties": { "version": { "type": "integer" }, "policy": r("SignedPolicy") } },
                "DocMessage": { "type": "object", "required": ["zaak_id", "message"], "properties": {
                    "zaak_id": { "type": "string" }, "message": { "type": "string", "contentEncoding": "binary", "description": "CBOR byte string: automerge sync message" } } },
                "SyncRequest": { "type": "object", "required": ["protocol", "policy_version", "held", "docs"], "properties": {
                    "protocol": { "type": "integer", "const": 1 }, "policy_version": { "type": "integer" },
                    "held": { "type": "array", "items": { "type": "string" } }, "docs": { "type": "array", "items": r("DocMessage") } } },
                "SyncResponse": { "type": "object", "properties": {
                    "protocol": { "type": "integer" }, "docs": { "type": "array", "items": r("DocMessage") },
                    "new_docs": { "type": "array", "items": { "type": "object", "properties": { "zaak_id": { "type": "string" }, "document": { "type": "string", "contentEncoding": "binary" } } } },
                    "rejections": { "type": "array", "items": { "type": "object", "properties": { "zaak_id": { "type": "string" }, "code": { "type": "string" }, "message": { "type": "string" } } } },
                    "policy": { "oneOf": [r("SignedPolicy"), { "type": "null" }] },
                    "assigned": { "type": "array", "items": { "type": "string" } }, "withdrawn": { "type": "array", "items": { "type": "string" } },
                    "instructions": { "type": "array", "items": { "type": "string", "enum": ["wipe"] } },
                    "acks": { "type": "array", "items": { "type": "object", "properties": { "zaak_id": { "type": "string" },
                        "heads": { "type": "array", "items": { "type": "string", "contentEncoding": "binary" } }, "complete": { "type": "boolean" } } } },
                    "more": { "type": "boolean" } } },
                "SignIn": { "type": "object", "required": ["name", "password"], "properties": { "name": { "type": "string" }, "password": { "type": "string" } } },
                "Session": { "type": "object", "properties": { "token": { "type": "string" }, "csrf_token": { "type": "string" },
                    "user": { "type": "string" }, "role": { "type": "string" }, "expires_at": { "type": "integer" } } },
                "CodeState": { "type": "object", "properties": { "code": { "type": ["string", "null"], "enum": ["geel", "oranje", "rood", null] },
                    "effective_from": { "type": ["string", "null"], "format": "date-time" }, "by": { "type": ["string", "null"] },
                    "reason": { "type": ["string", "null"] }, "policy_version": { "type": "integer" } } },
                "SetCode": { "type": "object", "required": ["code", "reason"], "properties": {
                    "code": { "type": "string", "enum": ["geel", "oranje", "rood"] }, "reason": { "type": "string" } } },
                "Audit": { "type": "object", "properties": {
                    "check": { "type": "object", "properties": { "rows": { "type": "integer" }, "intact": { "type": "boolean" }, "broken_at": { "type": ["integer", "null"] }, "problem": { "type": ["string", "null"] }, "unsigned": { "type": "integer" }, "head": { "type": ["object", "null"], "properties": { "seq": { "type": "integer" }, "hash": { "type": "string" }, "signature": { "type": "string" } } } } },
                    "rows": { "type": "array", "items": { "type": "object", "properties": {
                        "seq": { "type": "integer" }, "at": { "type": "integer" }, "actor": { "type": "string" }, "action": { "type": "string" },
                        "details": { "type": "string" }, "prev_hash": { "type": "string" }, "hash": { "type": "string" } } } } } },
                "Device": { "type": "object", "properties": { "id": { "type": "string" }, "user": { "type": "string" }, "public_key": { "type": "string" },
                    "enrolled_at": { "type": "integer" }, "revoked_at": { "type": ["integer", "null"] }, "last_seen": { "type": ["integer", "null"] },
                    "policy_version_seen": { "type": "integer" } } },
                "Flag": { "type": "object", "properties": { "id": { "type": "integer" }, "device_id": { "type": "string" }, "zaak_id": { "type": "string" },
                    "entry_ref": { "type": "string" }, "actie": { "type": "string" }, "recorded_at": { "type": "integer" },
                    "code_known": { "type": ["string", "null"] }, "policy_version_known": { "type": "integer" }, "code_active": { "type": "string" },
                    "created_at": { "type": "integer" }, "resolved_at": { "type": ["integer", "null"] }, "resolved_by": { "type": ["string", "null"] },
                    "resolution": { "type": ["string", "null"] } } }
            }
        }
    });
    add_keys(&mut doc, &device);
    add_zaken(&mut doc, &console);
    add_signalen(&mut doc, &console);
    add_photos(&mut doc, &device);
    add_app_sessies(&mut doc, &device);
    doc
}

/// Signals and the worklist (docs/api.md, "Signalen en werkvoorraad").
fn add_signalen(doc: &mut Value, console: &Value) {
    doc["paths"]["/v1/signaalsoorten"] = json!({ "get": {
        "summary": "The signal kinds of the onderzoeksplan (seed 001 bijlage 1) with their termijn (aantal + eenheid: werkdagen, kalenderdagen, weken, maanden), its start, the investigation and whether a huisbezoek may follow", "security": console,
        "responses": { "200": ok("the kinds", json!({ "type": "array", "items": { "type": "object" } })), "401": err("not_signed_in"), "403": err("forbidden_role") }
    }});
    doc["paths"]["/v1/signalen"] = json!({ "post": {
        "summary": "Register a signal; the answer carries its deadline (null for kinds without a termijn)", "security": console,
        "requestBody": body(json!({ "type": "object", "required": ["soort", "ontvangen"], "properties": {
            "soort": { "type": "string" }, "ontvangen": { "type": "string", "format": "date" },
            "kanaal": { "type": "string", "enum": ["rof", "bestandsvergelijking", "klantcontact", "webformulier", "mail", "telefoon", "brief"] },
            "client": { "type": "string", "maxLength": 64 }, "feiten": { "type": "string", "maxLength": 4000 },
            "anoniem": { "type": "boolean" }, "melder_contact": { "type": "string", "maxLength": 200 },
            "team": { "type": "string" }, "handhaver": { "type": "string" } } })),
        "responses": { "200": ok("the signal", r("Signaal")), "400": err("signaal_soort_unknown / signaal_ontvangen_missing / signaal_text_invalid"), "401": err("not_signed_in"), "403": err("forbidden_role") }
    }});
    doc["paths"]["/v1/signalen/{id}/beoordeling"] = json!({ "post": {
        "summary": "Assess a signal: geen_actie (with reden), schriftelijk or mondeling", "security": console,
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "requestBody": body(json!({ "type": "object", "required": ["soort"], "properties": {
            "soort": { "type": "string", "enum": ["geen_actie", "schriftelijk", "mondeling"] }, "reden": { "type": "string" } } })),
        "responses": { "200": ok("the signal", r("Signaal")), "400": err("signaal_reden_missing / signaal_melding_needs_zaak"), "404": err("signaal_not_found"), "409": err("signaal_assessed"), "401": err("not_signed_in"), "403": err("forbidden_role") }
    }});
    doc["paths"]["/v1/werkvoorraad"] = json!({ "get": {
        "summary": "Open signals, zaken and heronderzoeken by due date (items without one first), overdue ones te_laat", "security": console,
        "parameters": [
            { "name": "team", "in": "query", "schema": { "type": "string" } },
            { "name": "handhaver", "in": "query", "schema": { "type": "string" } }
        ],
        "responses": { "200": ok("the items", json!({ "type": "array", "items": { "type": "object", "properties": {
            "soort": { "type": "string", "enum": ["signaal", "zaak", "heronderzoek"] }, "id": { "type": "string" }, "omschrijving": { "type": "string" },
            "due": { "type": ["string", "null"], "format": "date" }, "team": { "type": "string" }, "handhaver": { "type": ["string", "null"] }, "te_laat": { "type": "boolean" } } } })),
            "401": err("not_signed_in"), "403": err("forbidden_role") }
    }});
    doc["components"]["schemas"]["Signaal"] = json!({ "type": "object", "required": ["id", "soort", "kanaal", "ontvangen", "deadline"], "properties": {
        "id": { "type": "integer" }, "soort": { "type": "string" }, "kanaal": { "type": "string" },
        "ontvangen": { "type": "string", "format": "date" }, "deadline": { "type": ["string", "null"], "format": "date" },
        "client": { "type": "string" }, "feiten": { "type": "string" }, "anoniem": { "type": "boolean" },
        "melder_contact": { "type": ["string", "null"] }, "team": { "type": "string" }, "handhaver": { "type": ["string", "null"] },
        "beoordeling": { "type": ["object", "null"] }, "created_at": { "type": "integer" } } });
}

/// The case system's read API (docs/api.md, "Zaken lezen") and its schemas.
fn add_zaken(doc: &mut Value, console: &Value) {
    let zaak_param = json!({ "name": "zaak_id", "in": "path", "required": true, "schema": { "type": "string" } });
    doc["paths"]["/v1/zaken"] = json!({ "get": {
        "summary": "Zaken, oldest change first: filter by status and by last change (office data or document)", "security": console,
        "parameters": [
            { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["open", "gesloten"] } },
            { "name": "changed_since", "in": "query", "schema": { "type": "string", "format": "date-time" }, "description": "only zaken changed at or after this moment; pass next_changed_since for the next page" },
            { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 100 } }
        ],
        "responses": { "200": ok("zaken", r("ZakenList")), "400": err("status_invalid / changed_since_invalid / limit_invalid"), "401": err("not_signed_in"), "403": err("forbidden_role") }
    }});
    doc["paths"]["/v1/zaken/{zaak_id}"] = json!({ "get": {
        "summary": "One zaak: melding, assignments, end, every visit with every entry and its verification verdict", "security": console,
        "parameters": [zaak_param.clone()],
        "responses": { "200": ok("the zaak", r("Zaak")), "401": err("not_signed_in"), "403": err("forbidden_role"), "404": err("zaak_not_found") }
    }});
    let visit_param = json!({ "name": "bezoek_id", "in": "path", "required": true, "schema": { "type": "string" } });
    doc["paths"]["/v1/zaken/{zaak_id}/bezoeken/{bezoek_id}/rapport.pdf"] = json!({ "get": {
        "summary": "A visit's rapport van bevindingen: PDF/A-3b with its evidence attached (docs/rapport-evidence.md); x-veldwerk-sha256 carries the file's SHA-256", "security": console,
        "parameters": [zaak_param.clone(), visit_param],
        "responses": { "200": { "description": "the rapport", "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } },
            "401": err("not_signed_in"), "403": err("forbidden_role"), "404": err("zaak_not_found / visit_unknown") }
    }});
    doc["paths"]["/v1/zaken/{zaak_id}/export"] = json!({ "get": {
        "summary": "The zaak as a ZIP: zaak.json (as GET /v1/zaken/{zaak_id}), per visit rapport.pdf and bewijs.json, the photos, and manifest.json listing every file with its SHA-256 and size", "security": console,
        "parameters": [zaak_param.clone()],
        "responses": { "200": { "description": "the export", "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } } },
            "401": err("not_signed_in"), "403": err("forbidden_role"), "404": err("zaak_not_found") }
    }});
    let schemas = &mut doc["components"]["schemas"];
    schemas["ZaakItem"] = json!({ "type": "object", "required": ["zaak_id", "status", "changed_at", "url"], "properties": {
        "zaak_id": { "type": "string" }, "label": { "type": "string" }, "adres": { "type": "string" },
        "status": { "type": "string", "enum": ["open", "gesloten"] }, "werkproces": { "type": "string", "enum": ["h2", "h6"] },
        "deadline": { "type": ["string", "null"], "format": "date" }, "created_at": { "type": "string", "format": "date-time" },
        "changed_at": { "type": "string", "format": "date-time" },
        "afsluiting": { "oneOf": [{ "type": "null" }, { "type": "object", "properties": {
            "soort": { "type": "string", "enum": ["advies", "besluit"] }, "uitkomst": { "type": "string" }, "reden": { "type": "string" },
            "door": { "type": "string" }, "at": { "type": "string", "format": "date-time" } } }] },
        "url": { "type": "string" } } });
    schemas["ZakenList"] = json!({ "type": "object", "required": ["zaken"], "properties": {
        "zaken": { "type": "array", "items": r("ZaakItem") }, "next_changed_since": { "type": ["string", "null"], "format": "date-time" } } });
    schemas["Notice"] = json!({ "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } });
    schemas["Entry"] = json!({ "type": "object", "description": "A signed entry exactly as stored (docs/rapport-evidence.md; ADR 0002)", "properties": {
        "entry_id": { "type": "string" }, "visit_id": { "type": "string" }, "device_id": { "type": "string" }, "key_id": { "type": "string" },
        "format": { "type": "integer" }, "seq": { "type": "integer" }, "recorded_at": { "type": "string", "format": "date-time" },
        "prev_hash": { "type": "string" }, "signature": { "type": "string" }, "policy": { "type": "object" }, "body": { "type": "string", "description": "canonical JSON of the event" } } });
    schemas["Vastlegging"] = json!({ "type": "object", "properties": {
        "entry": r("Entry"), "soort": { "type": ["string", "null"] }, "soort_label": { "type": "string" }, "event": { "type": ["object", "null"] },
        "status": { "type": "string", "enum": ["ok", "altered", "unsigned", "unknown_key", "missing_predecessor", "reordered", "duplicate", "forged_copy", "key_revoked"] },
        "verdict": r("Notice"), "handhaver": { "type": ["string", "null"] },
        "corrected_by": { "type": "array", "items": { "type": "string" } }, "anomaly": { "oneOf": [r("Notice"), { "type": "null" }] },
        "flags": { "type": "array", "items": { "type": "integer" } },
        "other_copies": { "type": "array", "items": { "type": "object", "properties": { "status": { "type": "string" }, "entry": r("Entry") } } } } });
    schemas["Bezoek"] = json!({ "type": "object", "properties": {
        "bezoek_id": { "type": "string" }, "actie": { "type": "string" }, "created_by": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" },
        "fase": { "type": "string" }, "fase_label": { "type": "string" }, "einde": { "type": ["string", "null"] },
        "handhavers": { "type": "array", "items": { "type": "string" } }, "leider": { "type": ["string", "null"] },
        "intact": { "type": "boolean" }, "problem": { "oneOf": [r("Notice"), { "type": "null" }] }, "rapport_url": { "type": "string" },
        "vastleggingen": { "type": "array", "items": r("Vastlegging") } } });
    schemas["Zaak"] = json!({ "allOf": [r("ZaakItem"), { "type": "object", "properties": {
        "melding": { "type": "object" },
        "toewijzingen": { "type": "array", "items": { "type": "object", "properties": { "handhaver": { "type": "string" },
            "assigned_at": { "type": "string", "format": "date-time" }, "withdrawn_at": { "type": ["string", "null"], "format": "date-time" } } } },
        "bezoeken": { "type": "array", "items": r("Bezoek") }, "document_problem": { "oneOf": [r("Notice"), { "type": "null" }] } } }] });
}

/// The photo upload (docs/sync-protocol.md, "Foto's").
fn add_photos(doc: &mut Value, device: &Value) {
    let auth = "signature_missing / signature_malformed / signature_invalid / request_stale / request_replayed / device_unknown";
    doc["paths"]["/v1/fotos/ontbrekend"] = json!({ "post": {
        "summary": "Which of a zaak's photos (SHA-256) the server lacks and an entry of the zaak references", "security": device,
        "requestBody": body(r("FotosOntbrekendRequest")),
        "responses": { "200": ok("what to upload", r("FotosOntbrekendResponse")),
            "400": err("body_invalid / foto_referentie_ongeldig / foto_hashes_too_many"), "401": err(auth),
            "403": err("not_assigned / device_revoked (instruction: wipe)") }
    }});
    doc["paths"]["/v1/zaken/{zaak_id}/fotos/{sha256}"] = json!({ "put": {
        "summary": "Upload one photo of a zaak; the body is its bytes (at most 10 MiB)", "security": device,
        "parameters": [
            { "name": "zaak_id", "in": "path", "required": true, "schema": { "type": "string" } },
            { "name": "sha256", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } } ],
        "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
        "responses": { "201": { "description": "stored" }, "200": { "description": "already stored (nothing stored twice)" },
            "400": err("foto_referentie_ongeldig / foto_hash_mismatch"), "401": err(auth),
            "403": err("not_assigned / device_revoked (instruction: wipe)"), "413": err("body_too_large"),
            "422": err("foto_niet_verwezen") }
    }});
    doc["components"]["schemas"]["FotosOntbrekendRequest"] = json!({ "type": "object", "required": ["zaak_id", "hashes"], "properties": {
        "zaak_id": { "type": "string" },
        "hashes": { "type": "array", "maxItems": veldwerk_contract::api::MAX_FOTO_HASHES, "items": { "type": "string", "pattern": "^[0-9a-f]{64}$" } } } });
    doc["components"]["schemas"]["FotosOntbrekendResponse"] = json!({ "type": "object", "required": ["ontbrekend", "niet_verwezen"], "properties": {
        "ontbrekend": { "type": "array", "items": { "type": "string" }, "description": "referenced and not stored yet: upload these" },
        "niet_verwezen": { "type": "array", "items": { "type": "string" }, "description": "no entry of the zaak's stored document references these (sync the entry first)" } } });
}

/// The handhaver's side of the digital huisbezoek on the client's phone (docs/app-sessie.md).
fn add_app_sessies(doc: &mut Value, device: &Value) {
    let auth = "signature_missing / signature_malformed / signature_invalid / request_stale / request_replayed / device_unknown";
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } });
    doc["paths"]["/v1/app-sessies"] = json!({ "post": {
        "summary": "Start a session of a huisbezoek_app visit on the client's own phone: a one-time link (path) and a 6-digit verification code", "security": device,
        "requestBody": body(r("AppSessieRequest")),
        "responses": { "201": ok("started", r("AppSessieGestart")),
            "400": err("body_invalid / visit_unknown / app_sessie_niet_mogelijk / toestemmingstekst_niet_goedgekeurd / app_sessie_geldigheid_ongeldig"),
            "401": err(auth), "403": err("not_assigned / device_revoked (instruction: wipe)") }
    }});
    doc["paths"]["/v1/app-sessies/{id}"] = json!({ "get": {
        "summary": "Where the session stands: the binding of the client's key (signed by the organisation), every statement the client signed, every hint", "security": device,
        "parameters": [id.clone()],
        "responses": { "200": ok("the session", r("AppSessieStand")), "401": err(auth), "404": err("app_sessie_unknown") }
    }});
    doc["paths"]["/v1/app-sessies/{id}/fotos/{sha256}"] = json!({ "get": {
        "summary": "A photo the client uploaded in the session", "security": device,
        "parameters": [id.clone(), { "name": "sha256", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } }],
        "responses": { "200": { "description": "the photo", "content": { "image/jpeg": { "schema": { "type": "string", "format": "binary" } } } },
            "400": err("foto_referentie_ongeldig"), "401": err(auth), "404": err("app_sessie_unknown / foto_unknown") }
    }});
    doc["paths"]["/v1/app-sessies/{id}/hints"] = json!({ "post": {
        "summary": "Send the client a hint (shown on their page at its next poll)", "security": device,
        "parameters": [id.clone()], "requestBody": body(r("AppHintRequest")),
        "responses": { "201": ok("the hint", r("AppHint")), "400": err("body_invalid / hint_ongeldig"), "401": err(auth),
            "404": err("app_sessie_unknown"), "409": err("verklaring_niet_nu"), "410": err("app_sessie_beeindigd / app_sessie_verlopen") }
    }});
    doc["paths"]["/v1/app-sessies/{id}/einde"] = json!({ "post": {
        "summary": "End the session: the link and the client's page stop working at once", "security": device,
        "parameters": [id],
        "responses": { "200": ok("the session, ended", r("AppSessieStand")), "401": err(auth), "404": err("app_sessie_unknown") }
    }});
    let schemas = &mut doc["components"]["schemas"];
    schemas["AppSessieRequest"] = json!({ "type": "object", "required": ["zaak_id", "visit_id", "variant", "tekst", "tekst_hash"], "properties": {
        "zaak_id": { "type": "string" }, "visit_id": { "type": "string" }, "variant": { "type": "string", "enum": ["a", "b"] },
        "tekst": { "type": "string", "description": "the consent text recorded as asked (a digital text)" }, "tekst_hash": { "type": "string" },
        "geldig_seconden": { "type": "integer", "minimum": 5, "maximum": 3600, "default": 900 } } });
    schemas["AppSessieGestart"] = json!({ "type": "object", "required": ["sessie", "pad", "code", "verloopt_om"], "properties": {
        "sessie": { "type": "string" }, "pad": { "type": "string", "description": "/k/<token>, on this server" },
        "code": { "type": "string", "pattern": "^[0-9]{6}$" }, "verloopt_om": { "type": "string", "format": "date-time" } } });
    schemas["AppHintRequest"] = json!({ "type": "object", "required": ["tekst"], "properties": { "tekst": { "type": "string", "maxLength": 500 } } });
    schemas["AppHint"] = json!({ "type": "object", "properties": { "n": { "type": "integer" }, "tekst": { "type": "string" }, "door": { "type": "string" }, "om": { "type": "string", "format": "date-time" } } });
    schemas["AppSessieStand"] = json!({ "type": "object", "properties": {
        "sessie": { "type": "string" }, "zaak_id": { "type": "string" }, "visit_id": { "type": "string" },
        "status": { "type": "string", "enum": ["wacht_op_code", "gekoppeld", "beeindigd"] },
        "einde": { "type": ["string", "null"], "enum": ["toestemming_geweigerd", "toestemming_ingetrokken", "vragenlijst_ondertekend", "handhaver", "verlopen", "te_veel_pogingen", null] },
        "verloopt_om": { "type": "string", "format": "date-time" }, "tekst_hash": { "type": "string" },
        "binding": { "type": ["object", "null"], "description": "{sessie, zaak, bezoek, sleutel (hex), gebonden_om}" },
        "binding_handtekening": { "type": ["string", "null"], "description": "hex Ed25519 of the organisation key over 'veldwerk-app-sessie-binding-v1\\n' + canonical JSON of the binding" },
        "verklaringen": { "type": "array", "items": { "type": "object", "properties": { "n": { "type": "integer" }, "gebeurtenis": { "type": "object" }, "handtekening": { "type": "string" }, "ontvangen_om": { "type": "string", "format": "date-time" } } } },
        "hints": { "type": "array", "items": r("AppHint") } } });
}

/// `GET /v1/keys` and its schemas (one `json!` for the whole document would pass the macro
/// recursion limit).
fn add_keys(doc: &mut Value, device: &Value) {
    doc["paths"]["/v1/keys"] = json!({ "get": {
        "summary": "Every device of the organisation with its public key and revocation state, signed with the organisation key (docs/sync-protocol.md)", "security": device,
        "responses": { "200": ok("signed key list", r("KeysResponse")), "401": err("signature_missing / signature_malformed / signature_invalid / request_stale / request_replayed / device_unknown"), "403": err("device_revoked (instruction: wipe)") }
    }});
    doc["components"]["schemas"]["KeysResponse"] = json!({ "type": "object", "required": ["keys"], "properties": { "keys": r("SignedKeyList") } });
    doc["components"]["schemas"]["SignedKeyList"] = json!({ "type": "object", "required": ["payload", "signature"], "properties": {
        "payload": { "type": "string", "description": "KeyList as JSON text: {organisation, issued_at (RFC 3339), devices: [{device_id, user, public_key (hex), revoked_at (RFC 3339 or null)}]}" },
        "signature": { "type": "string", "description": "hex Ed25519 over 'veldwerk-keys-v1\\n' + payload" } } });
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_exactly_the_routes_of_the_router() {
        let doc = super::document();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| (m.clone(), p.clone()))
            })
            .collect();
        let mut routed: Vec<(String, String)> = veldwerk_contract::api::ROUTES
            .iter()
            .map(|r| (r.method.as_str().to_string(), r.path.to_string()))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }
}
