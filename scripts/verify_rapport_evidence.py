#!/usr/bin/env python3
"""Checks a rapport's evidence file (rapport-bewijs.json, attached to the rapport PDF) without
Veldwerk: the organisation's signature over the key list and over the evidence, every entry's
Ed25519 signature, key id and hash chain. Needs Python 3 and `cryptography`.

    python3 scripts/verify_rapport_evidence.py rapport-bewijs.json ORGANISATION_KEY_HEX

The format is described in server/docs/rapport-evidence.md. Exit 0 when intact, 1 otherwise.
"""
import hashlib
import json
import sys
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def compact(value, sort):
    return json.dumps(value, sort_keys=sort, separators=(",", ":"), ensure_ascii=False).encode()


def millis(t):  # RFC 3339, UTC, exactly three fraction digits
    d = datetime.fromisoformat(t.replace("Z", "+00:00"))
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def main(path, org_key_hex):
    raw = open(path, "rb").read()
    ev = json.loads(raw)
    org = Ed25519PublicKey.from_public_bytes(bytes.fromhex(org_key_hex))
    kl = ev["key_list"]
    org.verify(bytes.fromhex(kl["signature"]), b"veldwerk-keys-v1\n" + kl["payload"].encode())
    unsigned = dict(ev, signature="")
    org.verify(bytes.fromhex(ev["signature"]), b"veldwerk-rapport-v1\n" + compact(unsigned, False))
    keys = {d["device_id"]: bytes.fromhex(d["public_key"]) for d in json.loads(kl["payload"])["devices"]}
    chains = {}
    for e in ev["entries"]:
        p = dict(e["policy"])
        if p["policy_synced_at"] is not None:
            p["policy_synced_at"] = millis(p["policy_synced_at"])
        c = {k: e[k] for k in ("body", "device_id", "entry_id", "format", "key_id", "prev_hash", "seq", "visit_id")}
        c.update(policy=p, recorded_at=millis(e["recorded_at"]))
        canonical = compact(c, True)
        pk = keys[e["device_id"]]
        assert e["key_id"] == hashlib.sha256(pk).hexdigest()[:16], "key id"
        assert e["visit_id"] == ev["visit"]["visit_id"], "visit"
        Ed25519PublicKey.from_public_bytes(pk).verify(bytes.fromhex(e["signature"]), canonical)
        chains.setdefault(e["device_id"], {})[e["seq"]] = (e["prev_hash"], hashlib.sha256(canonical + e["signature"].encode()).hexdigest())
    for device, chain in chains.items():
        for seq, (prev, _) in chain.items():
            want = "0" * 64 if seq == 1 else chain[seq - 1][1]
            assert prev == want, f"chain of {device} broken at {seq}"
    print(f"intact: {len(ev['entries'])} entries, evidence sha256 {hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as e:  # any failure is a verdict, with its reason
        print(f"NOT intact: {type(e).__name__}: {e}")
        sys.exit(1)
