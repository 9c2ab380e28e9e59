#!/usr/bin/python3
"""Prints one received message as JSON, decoded by Python's email package, for the tests.

The headers are decoded (RFC 2047) and also given as sent. The text part is decoded from its
transfer encoding and charset. Each attachment is given by name, type, size and SHA-256.
"""
import email
import email.header
import email.policy
import hashlib
import json
import os
import sys


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    raw_message = email.message_from_bytes(raw, policy=email.policy.compat32)
    result = {
        "headers": {k: str(v) for k, v in message.items()},
        "raw_headers": {k: str(v) for k, v in raw_message.items()},
        "text": "",
        "text_charset": None,
        "text_transfer_encoding": None,
        "attachments": [],
        "defects": [str(d) for part in message.walk() for d in part.defects],
        "crlf_only": b"\n" not in raw.replace(b"\r\n", b""),
    }
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            payload = part.get_payload(decode=True)
            result["attachments"].append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            })
        elif part.get_content_type() == "text/plain":
            # SMTP carries CRLF line endings; the tests compare with '\n' text.
            result["text"] = part.get_content().replace("\r\n", "\n")
            result["text_charset"] = part.get_content_charset()
            result["text_transfer_encoding"] = part.get("Content-Transfer-Encoding")
    envelope = os.path.splitext(path)[0] + ".envelope.json"
    if os.path.exists(envelope):
        with open(envelope) as f:
            result["envelope"] = json.load(f)
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
