#!/usr/bin/env python3
"""Simulate the CLAMEUR rent observatory's collection platform for tests.

The simulator runs a real FTPS server (vsftpd) on 127.0.0.1 for a temporary
system user. It checks each contribution file deposited in /depot against the
layout of the annex of the arrêté du 29 août 2014. For each deposit it writes an
acknowledgement, an integration report and a PDF certificate of transmission
into /retour.

It must run as root, because it creates a system user and starts vsftpd.
docs/simulator.md describes the options and the file formats.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import fcntl
import ftplib
import hashlib
import json
import logging
import math
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import stat
import string
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

LOG = logging.getLogger("platform_sim")

HOST = "127.0.0.1"
UPLOAD_DIR_NAME = "depot"
RETURN_DIR_NAME = "retour"
VSFTPD_BINARY = "/usr/sbin/vsftpd"
SECURE_CHROOT_DIR = Path("/var/run/vsftpd/empty")
FTP_USER_PREFIX = "alursim"
FTP_USER_SHELL = "/bin/bash"
FTP_USER_PATTERN = re.compile(FTP_USER_PREFIX + r"[a-z0-9]{6}", re.ASCII)

POLL_INTERVAL_SECONDS = 0.2
STABLE_SIZE_SECONDS = 0.5
PASSIVE_PORT_COUNT = 10
VSFTPD_READY_TIMEOUT_SECONDS = 15.0
VSFTPD_STOP_TIMEOUT_SECONDS = 5.0
CERTIFICATE_VALIDITY_DAYS = 30

# Final deposit names. Anything else, such as the ".part" name a client
# uploads to before renaming, is ignored.
DEPOSIT_NAME_PATTERN = re.compile(r"[0-9]{4}_[A-Za-z0-9]+_[0-9]{3}\.CSV", re.ASCII)

EXIT_STOPPED = 0
EXIT_RUNTIME_FAILURE = 1
EXIT_CANNOT_START = 2

PLATFORM_REJECTION_REASON = "Rejeté par la plateforme (test)"
STATUS_RECEIVED = "RECU"
STATUS_REJECTED = "REJETE"
STATUS_INTEGRATED = "INTEGRE"


class StopRequested(BaseException):
    """Raised by the signal handler, so that every step unwinds through cleanup.

    It derives from BaseException, like KeyboardInterrupt, so that the
    `except Exception` guard around deposit processing does not swallow it.
    """


class StartupError(Exception):
    """A precondition or a start step failed. The message names the fix."""


# ---------------------------------------------------------------------------
# Official layout: annex of the arrêté du 29 août 2014
# ---------------------------------------------------------------------------

HEADER_FIELD_COUNT = 4
DWELLING_FIELD_COUNT = 55
HEADER_COMMENT_MAX_LENGTH = 200
SHOWN_VALUE_MAX_LENGTH = 60
UTF8_BOM = b"\xef\xbb\xbf"


def make_single_field(text: str) -> str:
    """Return text fit for one report field or acknowledgement value.

    Report and acknowledgement lines must not contain ";" or line breaks, so ";"
    becomes "," and control characters and line separators are shown as \\xNN
    or \\uNNNN. An invisible character in a reason would also puzzle the reader.
    """
    shown = []
    for character in text:
        if unicodedata.category(character) not in ("Cc", "Zl", "Zp"):
            shown.append(character)
        elif ord(character) <= 0xFF:
            shown.append(f"\\x{ord(character):02x}")
        else:
            shown.append(f"\\u{ord(character):04x}")
    return "".join(shown).replace(";", ",")


def show_value(value: str) -> str:
    """Quote a field value for a French message, shortened when long."""
    if len(value) > SHOWN_VALUE_MAX_LENGTH:
        value = value[:SHOWN_VALUE_MAX_LENGTH] + "…"
    return f"« {make_single_field(value)} »"


def is_real_date(day: int, month: int, year: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


# Each check returns None when the value is valid, or the French complaint that
# follows the quoted value in the rejection reason.
ValueCheck = Callable[[str], "str | None"]


def check_any(value: str) -> str | None:
    return None


def check_choice(*allowed: str) -> ValueCheck:
    allowed_text = ", ".join(allowed)

    def check(value: str) -> str | None:
        if value in allowed:
            return None
        return f"n'est pas une valeur admise ({allowed_text})"

    return check


def check_digits(count: int) -> ValueCheck:
    pattern = re.compile(f"[0-9]{{{count}}}", re.ASCII)

    def check(value: str) -> str | None:
        if pattern.fullmatch(value):
            return None
        if count == 1:
            return "n'est pas un chiffre"
        return f"ne comporte pas exactement {count} chiffres"

    return check


def check_digit_count(minimum: int, maximum: int) -> ValueCheck:
    pattern = re.compile(f"[0-9]{{{minimum},{maximum}}}", re.ASCII)

    def check(value: str) -> str | None:
        if pattern.fullmatch(value):
            return None
        return f"ne comporte pas de {minimum} à {maximum} chiffres"

    return check


def check_integer(minimum: int, maximum: int) -> ValueCheck:
    def check(value: str) -> str | None:
        if not re.fullmatch(r"-?[0-9]+", value, re.ASCII):
            return "n'est pas un entier"
        if not minimum <= int(value) <= maximum:
            return f"n'est pas compris entre {minimum} et {maximum}"
        return None

    return check


def check_floor(value: str) -> str | None:
    # Two characters at most, so the lowest floor that fits is -9.
    if re.fullmatch(r"-?[0-9]|[0-9]{2}", value, re.ASCII):
        return None
    return "n'est pas un étage valide (entier de -9 à 99)"


def check_date_ddmmyy(value: str) -> str | None:
    if re.fullmatch(r"[0-9]{6}", value, re.ASCII):
        day, month, year = int(value[0:2]), int(value[2:4]), 2000 + int(value[4:6])
        if is_real_date(day, month, year):
            return None
    return "n'est pas une date valide au format JJMMAA"


def check_date_ddmm(value: str) -> str | None:
    if re.fullmatch(r"[0-9]{4}", value, re.ASCII):
        # 2000 is a leap year, so 2902 is accepted.
        if is_real_date(int(value[0:2]), int(value[2:4]), 2000):
            return None
    return "n'est pas une date valide au format JJMM"


def check_date_ddmmyyyy(value: str) -> str | None:
    if re.fullmatch(r"[0-9]{8}", value, re.ASCII):
        if is_real_date(int(value[0:2]), int(value[2:4]), int(value[4:8])):
            return None
    return "n'est pas une date valide au format JJMMAAAA"


def check_insee_code(value: str) -> str | None:
    if re.fullmatch(r"([0-9]{2}|2A|2B)[0-9]{3}", value, re.ASCII):
        return None
    return "n'est pas un code INSEE valide (5 caractères, par exemple 75056 ou 2A004)"


def check_amount(value: str) -> str | None:
    if re.fullmatch(r"[0-9]+(,[0-9]{1,2})?", value, re.ASCII):
        return None
    if re.fullmatch(r"[0-9]+\.[0-9]+", value, re.ASCII):
        return "utilise un point : le séparateur décimal attendu est la virgule (par exemple 850,00)"
    return "n'est pas un montant valide (par exemple 850,00)"


def check_positive_amount(value: str) -> str | None:
    complaint = check_amount(value)
    if complaint is not None:
        return complaint
    if float(value.replace(",", ".")) <= 0:
        return "doit être supérieur à zéro"
    return None


@dataclass(frozen=True)
class FieldRule:
    """One field of a dwelling line: official position label, French name and checks."""

    position: str
    name: str
    mandatory: bool = False
    max_length: int | None = None
    check: ValueCheck = check_any

    def complaint_about(self, value: str) -> str | None:
        """Return the French rejection reason for value, or None when it is valid."""
        prefix = f"position {self.position} ({self.name}) :"
        if value == "":
            if self.mandatory:
                return f"{prefix} valeur obligatoire manquante"
            return None
        if self.max_length is not None and len(value) > self.max_length:
            return (
                f"{prefix} {show_value(value)} dépasse {self.max_length} caractères"
                f" ({len(value)})"
            )
        complaint = self.check(value)
        if complaint is None:
            return None
        return f"{prefix} {show_value(value)} {complaint}"


YES_NO = check_choice("1", "2")

# The 55 fields of a dwelling line, in file order. The labels are the official
# position numbers of the annex.
DWELLING_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("1", "identifiant du logement", True, 50),
    FieldRule("2", "source", True, check=YES_NO),
    FieldRule("3", "mode de collecte", True, check=YES_NO),
    FieldRule("4", "date d'enquête", True, check=check_date_ddmmyy),
    FieldRule("4b", "date d'enquête précédente", True, check=check_date_ddmmyy),
    FieldRule("5", "numéro de voirie", True, check=check_digit_count(1, 4)),
    FieldRule("5b", "indice de répétition", check=check_choice("B", "T", "Q")),
    FieldRule("5c", "type de voie", True, 4),
    FieldRule("5d", "nom de voie", True, 40),
    FieldRule("5e", "complément d'adresse", False, 40),
    FieldRule("5f", "code postal", True, check=check_digits(5)),
    FieldRule("5g", "commune", True, 35),
    FieldRule("6", "code INSEE", check=check_insee_code),
    FieldRule("6b", "zone", False, 2),
    FieldRule("6c", "IRIS", check=check_digits(4)),
    FieldRule("6d", "section cadastrale", False, 2),
    FieldRule("6e", "parcelle cadastrale", False, 4),
    FieldRule("7", "date de référence", True, check=check_date_ddmm),
    # NOTE: the annex sets 10 characters, but the simulator accepts 20, the
    # length of the card numbers issued since 2015 without spaces
    # (CPI + 4-digit chamber code + year + 9-digit serial).
    FieldRule("8", "carte professionnelle", True, 20),
    FieldRule("8b", "numéro de gestion", True, 20),
    FieldRule("8c", "raison sociale", True, 20),
    FieldRule("21", "remarques", False, 60),
    FieldRule("31", "type d'habitat", True, check=YES_NO),
    FieldRule("32", "époque de construction", True, check=check_choice(*"1234567")),
    FieldRule("33", "année d'achèvement", check=check_digits(4)),
    FieldRule("34", "type de propriété", check=YES_NO),
    FieldRule("35", "ascenseur", check=YES_NO),
    FieldRule("35b", "gardien", check=YES_NO),
    FieldRule("35c", "interphone", check=YES_NO),
    FieldRule("35d", "digicode", check=YES_NO),
    FieldRule("35e", "vidéophone", check=YES_NO),
    FieldRule("41", "nombre de pièces", True, check=check_integer(1, 99)),
    FieldRule("42", "surface", True, check=check_integer(1, 999)),
    FieldRule("43", "étage", check=check_floor),
    FieldRule("44", "parking", check=YES_NO),
    FieldRule("44b", "balcon", check=YES_NO),
    FieldRule("44c", "jardin", check=YES_NO),
    FieldRule("45", "nombre de WC", check=check_digits(1)),
    FieldRule("45b", "nombre de salles de bain", check=check_digits(1)),
    FieldRule("46", "chauffage", check=YES_NO),
    FieldRule("47", "type de propriétaire", check=YES_NO),
    FieldRule("50", "classe DPE", check=check_choice(*"ABCDEFG")),
    FieldRule("51", "type de location", True, check=YES_NO),
    FieldRule("52", "type de gestion", True, check=YES_NO),
    FieldRule("53", "catégorie de location", check=check_choice("1", "2", "3")),
    FieldRule("54", "date d'emménagement", True, check=check_date_ddmmyyyy),
    FieldRule("54b", "date du bail", True, check=check_date_ddmmyyyy),
    FieldRule("55", "première location", check=YES_NO),
    FieldRule("56", "loyer de l'an passé", False, 8, check_amount),
    FieldRule("56b", "loyer actuel", True, 8, check_positive_amount),
    FieldRule("57", "loyers à la date de référence", False, 8, check_amount),
    FieldRule("57b", "loyers à la date de référence", False, 8, check_amount),
    FieldRule("58", "charges", False, 6, check_amount),
    FieldRule("58b", "charges", False, 6, check_amount),
    FieldRule("59", "commentaire", False, 200),
)


@dataclass
class DwellingResult:
    """Outcome for one dwelling line: its identifier (position 1) and rejection reasons."""

    identifier: str
    reasons: list[str] = field(default_factory=list)

    @property
    def integrated(self) -> bool:
        return not self.reasons


@dataclass
class DepositCheck:
    """Outcome of checking one deposited file.

    file_rejection is the French reason when the file is rejected as a whole.
    In that case dwellings is empty, and record_count still counts the lines
    after the header.
    """

    record_count: int
    file_rejection: str | None = None
    year: str = ""
    siret: str = ""
    dwellings: list[DwellingResult] = field(default_factory=list)

    @property
    def integrated_count(self) -> int:
        return sum(1 for dwelling in self.dwellings if dwelling.integrated)

    @property
    def rejected_count(self) -> int:
        return len(self.dwellings) - self.integrated_count


def split_into_lines(text: str) -> list[str]:
    """Split on LF, drop one CR before each LF, and drop blank lines at the end."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def count_lines_after_header(data: bytes) -> int:
    lines = data.split(b"\n")
    while lines and lines[-1] in (b"", b"\r"):
        lines.pop()
    return max(len(lines) - 1, 0)


def decode_deposit(data: bytes, encoding: str) -> tuple[str | None, str | None]:
    """Return (text, None), or (None, French reason) when data cannot be decoded."""
    if data.startswith(UTF8_BOM):
        return None, (
            "le fichier commence par une marque d'ordre des octets UTF-8 (BOM) que le"
            " format ne prévoit pas : enregistrer le fichier sans BOM"
        )
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as error:
        line_number = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        byte_value = data[error.start]
        return None, (
            f"octet 0x{byte_value:02X} non décodable en {encoding} à la ligne"
            f" {line_number}, colonne {error.start - line_start + 1} (octet {error.start}"
            f" du fichier) : enregistrer le fichier en {encoding} ou lancer le simulateur"
            " avec l'option --encoding qui correspond au fichier"
        )


def check_header(fields: list[str]) -> str | None:
    """Return the French reason why the header line is invalid, or None."""
    if len(fields) != HEADER_FIELD_COUNT:
        return (
            f"en-tête (ligne 1) : {len(fields)} champ(s) au lieu de {HEADER_FIELD_COUNT}"
            " (année d'extraction, SIRET, nombre de logements, commentaire)"
        )
    year, siret, announced_count, comment = fields
    if not re.fullmatch(r"[0-9]{4}", year, re.ASCII):
        return f"en-tête (ligne 1) : l'année d'extraction {show_value(year)} n'est pas au format AAAA"
    if not re.fullmatch(r"[0-9]{14}", siret, re.ASCII):
        return f"en-tête (ligne 1) : le SIRET {show_value(siret)} ne comporte pas exactement 14 chiffres"
    if not re.fullmatch(r"[0-9]+", announced_count, re.ASCII):
        return (
            f"en-tête (ligne 1) : le nombre de logements {show_value(announced_count)}"
            " n'est pas un entier"
        )
    if len(comment) > HEADER_COMMENT_MAX_LENGTH:
        return (
            f"en-tête (ligne 1) : le commentaire dépasse {HEADER_COMMENT_MAX_LENGTH}"
            f" caractères ({len(comment)})"
        )
    return None


def check_dwelling_line(line_number: int, line: str) -> DwellingResult:
    fields = line.split(";")
    result = DwellingResult(identifier=fields[0])
    if line == "":
        result.reasons.append(f"ligne {line_number} vide")
    elif len(fields) != DWELLING_FIELD_COUNT:
        result.reasons.append(
            f"ligne {line_number} : {len(fields)} champ(s) au lieu de {DWELLING_FIELD_COUNT}"
            " séparés par « ; »"
        )
    else:
        for rule, value in zip(DWELLING_FIELDS, fields):
            complaint = rule.complaint_about(value)
            if complaint is not None:
                result.reasons.append(complaint)
    return result


def check_dwellings(lines: list[str], platform_rejected_ids: frozenset[str]) -> list[DwellingResult]:
    """Check the dwelling lines, of which lines[0] is line 2 of the file.

    Besides the field rules, a repeated identifier and an identifier given with
    --reject-dwelling reject the line.
    """
    results = []
    first_line_of_identifier: dict[str, int] = {}
    for line_number, line in enumerate(lines, start=2):
        result = check_dwelling_line(line_number, line)
        identifier = result.identifier
        if identifier and identifier in first_line_of_identifier:
            result.reasons.append(
                f"position 1 (identifiant du logement) : {show_value(identifier)} figure déjà"
                f" à la ligne {first_line_of_identifier[identifier]}"
            )
        first_line_of_identifier.setdefault(identifier, line_number)
        if identifier in platform_rejected_ids:
            result.reasons.append(PLATFORM_REJECTION_REASON)
        results.append(result)
    return results


def check_deposit(data: bytes, encoding: str, platform_rejected_ids: frozenset[str]) -> DepositCheck:
    """Check a deposited file against the official layout. Never raises on bad content."""
    text, decode_problem = decode_deposit(data, encoding)
    if text is None:
        return DepositCheck(count_lines_after_header(data), file_rejection=decode_problem)

    if "\r" in text and "\n" not in text:
        record_count = max(len(text.rstrip("\r").split("\r")) - 1, 0)
        return DepositCheck(record_count, file_rejection=(
            "les lignes se terminent par CR seul : utiliser CRLF ou LF comme fin de ligne"
        ))

    lines = split_into_lines(text)
    if not lines:
        return DepositCheck(0, file_rejection="fichier vide : la ligne d'en-tête est absente")

    dwelling_lines = lines[1:]
    check = DepositCheck(len(dwelling_lines))
    header_fields = lines[0].split(";")
    header_problem = check_header(header_fields)
    if header_problem is not None:
        check.file_rejection = header_problem
        return check

    check.year, check.siret = header_fields[0], header_fields[1]
    announced_count = int(header_fields[2])
    if announced_count != len(dwelling_lines):
        check.file_rejection = (
            f"l'en-tête annonce {announced_count} logement(s) mais le fichier contient"
            f" {len(dwelling_lines)} ligne(s) de logement"
        )
        return check
    if not dwelling_lines:
        check.file_rejection = "le fichier ne contient aucune ligne de logement"
        return check

    field_counts = [len(line.split(";")) for line in dwelling_lines]
    if all(count != DWELLING_FIELD_COUNT for count in field_counts):
        check.file_rejection = (
            f"aucune ligne de logement ne comporte {DWELLING_FIELD_COUNT} champs séparés"
            f" par « ; » (ligne 2 : {field_counts[0]} champ(s))"
        )
        return check

    check.dwellings = check_dwellings(dwelling_lines, platform_rejected_ids)
    return check


# ---------------------------------------------------------------------------
# Return files: acknowledgement, integration report, certificate
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """Facts about a received deposit that the return files repeat."""

    file_name: str
    received_at: dt.datetime
    size: int
    sha256: str

    @property
    def stem(self) -> str:
        return self.file_name[: -len(".CSV")]

    @property
    def received_at_iso(self) -> str:
        return self.received_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def acknowledgement_name(stem: str) -> str:
    return f"{stem}.ACK.TXT"


def report_name(stem: str) -> str:
    return f"{stem}.RAPPORT.CSV"


def certificate_name(stem: str) -> str:
    return f"{stem}.CERTIFICAT.PDF"


def render_acknowledgement(receipt: Receipt, check: DepositCheck) -> bytes:
    lines = [
        f"fichier={receipt.file_name}",
        f"recu_le={receipt.received_at_iso}",
        f"taille={receipt.size}",
        f"sha256={receipt.sha256}",
        f"enregistrements={check.record_count}",
    ]
    if check.file_rejection is None:
        lines.append(f"statut={STATUS_RECEIVED}")
    else:
        lines.append(f"statut={STATUS_REJECTED}")
        lines.append(f"motif={make_single_field(check.file_rejection)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_report(check: DepositCheck) -> bytes:
    rows = ["identifiant;statut;motif"]
    for dwelling in check.dwellings:
        status = STATUS_INTEGRATED if dwelling.integrated else STATUS_REJECTED
        reason = " | ".join(dwelling.reasons)
        rows.append(
            f"{make_single_field(dwelling.identifier)};{status};"
            f"{make_single_field(reason)}"
        )
    return ("\n".join(rows) + "\n").encode("utf-8")


# A4 in PDF points (1/72 inch).
A4_WIDTH_POINTS = 595.28
A4_HEIGHT_POINTS = 841.89
PAGE_MARGIN_POINTS = 72
REGULAR_FONT = "F1"
BOLD_FONT = "F2"


@dataclass(frozen=True)
class TextLine:
    """One line of the certificate page. gap_before is extra space above it, in points."""

    text: str
    font: str = REGULAR_FONT
    size: float = 11
    gap_before: float = 0


def pdf_string(text: str) -> str:
    """Encode text as a PDF literal string for a WinAnsiEncoding font.

    Bytes above 0x7E are written as octal escapes so that the content stream
    stays ASCII. Characters that cp1252 cannot encode become "?".
    """
    parts = []
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            parts.append("\\" + chr(byte))
        elif 0x20 <= byte <= 0x7E:
            parts.append(chr(byte))
        else:
            parts.append(f"\\{byte:03o}")
    return "(" + "".join(parts) + ")"


def render_page_content(lines: list[TextLine]) -> bytes:
    """Return the content stream that draws the lines from the top of the page."""
    commands = []
    y = A4_HEIGHT_POINTS - PAGE_MARGIN_POINTS
    for index, line in enumerate(lines):
        y -= line.gap_before + line.size * 1.4
        commands.append(
            f"BT /{line.font} {line.size:g} Tf 1 0 0 1 {PAGE_MARGIN_POINTS} {y:.2f} Tm"
            f" {pdf_string(line.text)} Tj ET"
        )
        if index == 0:
            # A rule under the title.
            rule_y = y - 8
            right = A4_WIDTH_POINTS - PAGE_MARGIN_POINTS
            commands.append(f"0.5 w {PAGE_MARGIN_POINTS} {rule_y:.2f} m {right:.2f} {rule_y:.2f} l S")
            y -= 8
    return ("\n".join(commands) + "\n").encode("ascii")


def render_pdf(lines: list[TextLine], title: str, created_at: dt.datetime) -> bytes:
    """Return a one-page A4 PDF 1.4 document that shows the lines in Helvetica.

    The fonts are the standard Type 1 Helvetica and Helvetica-Bold, which every
    PDF reader provides, with WinAnsiEncoding so that French accents render.
    """
    content = render_page_content(lines)
    page_size = f"[0 0 {A4_WIDTH_POINTS} {A4_HEIGHT_POINTS}]"
    creation_date = created_at.strftime("D:%Y%m%d%H%M%SZ")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox {page_size}"
            f" /Resources << /Font << /{REGULAR_FONT} 4 0 R /{BOLD_FONT} 5 0 R >> >>"
            " /Contents 6 0 R >>"
        ).encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        # The end of line before "endstream" is not part of the stream data.
        f"<< /Length {len(content)} >>\nstream\n".encode("ascii") + content + b"\nendstream",
        (
            f"<< /Title {pdf_string(title)} /Producer (alur-relay platform simulator)"
            f" /CreationDate ({creation_date}) >>"
        ).encode("ascii"),
    ]
    info_object_number = len(objects)

    # A comment with bytes above 0x7F marks the file as binary for transfer tools.
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"

    xref_offset = len(document)
    # Each cross-reference entry is exactly 20 bytes, including the " \n" end of line.
    document += f"xref\n0 {len(objects) + 1}\n".encode("ascii")
    document += b"0000000000 65535 f \n"
    for offset in offsets:
        document += f"{offset:010d} 00000 n \n".encode("ascii")
    document += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_object_number} 0 R >>\n"
        f"startxref\n{xref_offset}\n%%EOF\n"
    ).encode("ascii")
    return bytes(document)


def render_certificate(receipt: Receipt, check: DepositCheck) -> bytes:
    received = receipt.received_at.strftime("%d/%m/%Y à %H:%M:%S UTC")
    lines = [
        TextLine("Attestation de transmission", BOLD_FONT, 20),
        TextLine("Observatoire des loyers CLAMEUR", BOLD_FONT, 14, gap_before=6),
        TextLine(
            "Connaître les Loyers et Analyser les Marchés sur les Espaces Urbains et Ruraux",
            size=9,
        ),
        TextLine("Document émis par un simulateur de test de la plateforme de collecte,", size=9,
                 gap_before=4),
        TextLine("sans valeur officielle.", size=9),
        TextLine("La plateforme de collecte atteste avoir reçu le fichier suivant.", gap_before=18),
        TextLine(f"Fichier : {receipt.file_name}", gap_before=10),
        TextLine(f"SIRET du déposant : {check.siret}"),
        TextLine(f"Année d'extraction : {check.year}"),
        TextLine(f"Date de réception : {received}"),
        TextLine(f"Taille : {receipt.size} octets"),
        TextLine("Empreinte SHA-256 :"),
        TextLine(receipt.sha256, size=9),
        TextLine(f"Enregistrements reçus : {check.record_count}", gap_before=10),
        TextLine(f"Enregistrements intégrés : {check.integrated_count}"),
        TextLine(f"Enregistrements rejetés : {check.rejected_count}"),
        TextLine(
            f"Le détail par logement figure dans le rapport d'intégration {report_name(receipt.stem)}.",
            size=9,
            gap_before=18,
        ),
        TextLine("Format du fichier : annexe de l'arrêté du 29 août 2014.", size=9),
    ]
    return render_pdf(lines, title=f"Attestation de transmission {receipt.file_name}",
                      created_at=receipt.received_at)


def write_file_atomically(path: Path, data: bytes, owner_uid: int, owner_gid: int, mode: int) -> None:
    """Write data to a hidden temporary name in the same folder, then rename it to path.

    The temporary name starts with "." and ends with ".tmp", so it never matches
    the names a client waits for, and vsftpd does not list it.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchown(stream.fileno(), owner_uid, owner_gid)
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------
# Test certificate authority and server certificate (openssl CLI)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca_certificate: Path
    ca_key: Path
    server_certificate: Path
    server_key: Path


def run_command(command: list[str], input_text: str | None = None) -> None:
    """Run a command and raise StartupError with its output when it fails."""
    completed = subprocess.run(command, input=input_text, capture_output=True, text=True)
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        raise StartupError(f"{command[0]} failed with exit code {completed.returncode}: {output}")


def generate_tls_files(tls_dir: Path) -> TlsFiles:
    """Create a fresh test CA and a server certificate for 127.0.0.1 signed by it.

    The server certificate has the IP SAN 127.0.0.1 and the DNS SAN localhost,
    so that clients can verify the host name with the CA file alone.
    """
    tls_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(tls_dir, 0o755)
    files = TlsFiles(
        ca_certificate=tls_dir / "ca.pem",
        ca_key=tls_dir / "ca.key",
        server_certificate=tls_dir / "server.pem",
        server_key=tls_dir / "server.key",
    )
    server_extensions = tls_dir / "server.ext"
    server_extensions.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature, keyEncipherment\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    server_request = tls_dir / "server.csr"
    days = str(CERTIFICATE_VALIDITY_DAYS)

    run_command([
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", days,
        "-keyout", str(files.ca_key), "-out", str(files.ca_certificate),
        "-subj", "/O=alur-relay tests/CN=alur-relay platform simulator test CA",
        "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ])
    run_command([
        "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
        "-keyout", str(files.server_key), "-out", str(server_request),
        "-subj", "/O=alur-relay tests/CN=127.0.0.1",
    ])
    run_command([
        "openssl", "x509", "-req", "-sha256", "-days", days,
        "-in", str(server_request),
        "-CA", str(files.ca_certificate), "-CAkey", str(files.ca_key),
        "-set_serial", "0x" + secrets.token_hex(16),
        "-extfile", str(server_extensions),
        "-out", str(files.server_certificate),
    ])
    for private_key in (files.ca_key, files.server_key):
        os.chmod(private_key, 0o600)
    for public_file in (files.ca_certificate, files.server_certificate):
        os.chmod(public_file, 0o644)
    return files


# ---------------------------------------------------------------------------
# Free ports on 127.0.0.1
# ---------------------------------------------------------------------------


def bind_port(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((HOST, port))
    except OSError:
        listener.close()
        raise
    return listener


def pick_free_port() -> int:
    with bind_port(0) as listener:
        return listener.getsockname()[1]


def pick_free_port_range(count: int, excluded: int, attempts: int = 50) -> int:
    """Return the first of count consecutive ports that are free now.

    The ports are only released, not reserved, so another program could take
    one before vsftpd binds it. That race is unlikely on a test machine.
    """
    for _ in range(attempts):
        held: list[socket.socket] = []
        try:
            held.append(bind_port(0))
            first = held[0].getsockname()[1]
            if first + count - 1 > 65535 or first <= excluded < first + count:
                continue
            for port in range(first + 1, first + count):
                held.append(bind_port(port))
            return first
        except OSError:
            continue
        finally:
            for listener in held:
                listener.close()
    raise StartupError(f"found no {count} consecutive free TCP ports on {HOST} after {attempts} attempts")


# ---------------------------------------------------------------------------
# Temporary system user
# ---------------------------------------------------------------------------


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def choose_user_name() -> str:
    alphabet = string.ascii_lowercase + string.digits
    for _ in range(20):
        name = FTP_USER_PREFIX + "".join(secrets.choice(alphabet) for _ in range(6))
        if not user_exists(name):
            return name
    raise StartupError("found no unused user name after 20 attempts")


def create_user(name: str, home: Path, password: str) -> None:
    """Create the FTP user with a login shell, because PAM's pam_shells rejects nologin."""
    run_command([
        "useradd", "--home-dir", str(home), "--no-create-home", "--shell", FTP_USER_SHELL,
        "--user-group", "--comment", "alur-relay platform simulator", name,
    ])
    run_command(["chpasswd"], input_text=f"{name}:{password}\n")


def delete_user(name: str) -> bool:
    """Delete the user and its group, but not its home. Return whether it is gone.

    userdel exits with 8 ("user currently logged in") when it finds a process
    of the user, for example a vsftpd session that has not exited yet, so the
    call is retried and finally forced.
    """
    deadline = time.monotonic() + VSFTPD_STOP_TIMEOUT_SECONDS
    while True:
        completed = subprocess.run(["userdel", name], capture_output=True, text=True)
        if completed.returncode == 0 or not user_exists(name):
            return True
        if completed.returncode != 8 or time.monotonic() > deadline:
            break
        time.sleep(POLL_INTERVAL_SECONDS)
    LOG.warning("userdel %s failed with exit code %d (%s), retrying with --force",
                name, completed.returncode, completed.stderr.strip())
    forced = subprocess.run(["userdel", "--force", name], capture_output=True, text=True)
    if forced.returncode == 0 or not user_exists(name):
        return True
    LOG.error("userdel --force %s failed with exit code %d (%s); remove the user with"
              " 'userdel --force %s'", name, forced.returncode, forced.stderr.strip(), name)
    return False


def check_pam_allows_shell() -> None:
    """Raise StartupError when PAM would reject the FTP user's login.

    Debian's /etc/pam.d/vsftpd denies the users listed in /etc/ftpusers (system
    accounts by default) and requires pam_shells, so the login shell must be
    listed in /etc/shells.
    """
    if not Path("/etc/pam.d/vsftpd").is_file():
        raise StartupError("/etc/pam.d/vsftpd is missing: reinstall the vsftpd package")
    shells = Path("/etc/shells").read_text().split()
    if FTP_USER_SHELL not in shells:
        raise StartupError(
            f"{FTP_USER_SHELL} is not listed in /etc/shells, so PAM (pam_shells) would reject"
            " the FTP login: add it to /etc/shells"
        )
    ftpusers = Path("/etc/ftpusers")
    if ftpusers.is_file():
        denied = [line.strip() for line in ftpusers.read_text().splitlines()]
        if any(line.startswith(FTP_USER_PREFIX) for line in denied):
            raise StartupError(f"/etc/ftpusers denies names starting with {FTP_USER_PREFIX}: remove them")


# ---------------------------------------------------------------------------
# vsftpd
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    control_port: int
    passive_min_port: int
    passive_max_port: int
    tls: TlsFiles
    log_file: Path
    xferlog_file: Path
    refuse_rename: bool


def render_vsftpd_config(settings: ServerSettings) -> str:
    """Return the vsftpd.conf text.

    Written for Debian 12's vsftpd 3.0.3-13, which rejects the option
    ssl_tlsv1_2 ("unrecognised variable in config file"). ssl_tlsv1 ("TLS v1"
    in man vsftpd.conf) is turned off. TLS 1.2 and 1.3 have no option, and curl
    7.88 negotiates both. The man page gives DES-CBC3-SHA as the default cipher
    list, but this build negotiates ECDHE-RSA-AES256-GCM-SHA384 over TLS 1.2, so
    ssl_ciphers is left at its default.
    """
    options = {
        "listen": "YES",
        "listen_ipv6": "NO",
        "listen_address": HOST,
        "listen_port": settings.control_port,
        "background": "NO",
        "seccomp_sandbox": "NO",
        "anonymous_enable": "NO",
        "local_enable": "YES",
        "write_enable": "YES",
        "local_umask": "022",
        "chroot_local_user": "YES",
        "allow_writeable_chroot": "YES",
        "pasv_enable": "YES",
        # Passive mode only: with PORT, vsftpd would connect back to the client.
        "port_enable": "NO",
        "pasv_address": HOST,
        "pasv_min_port": settings.passive_min_port,
        "pasv_max_port": settings.passive_max_port,
        "connect_from_port_20": "NO",
        "ssl_enable": "YES",
        "ssl_sslv2": "NO",
        "ssl_sslv3": "NO",
        "ssl_tlsv1": "NO",
        "require_ssl_reuse": "YES",
        "force_local_logins_ssl": "YES",
        "force_local_data_ssl": "YES",
        "rsa_cert_file": settings.tls.server_certificate,
        "rsa_private_key_file": settings.tls.server_key,
        "pam_service_name": "vsftpd",
        "secure_chroot_dir": SECURE_CHROOT_DIR,
        "xferlog_enable": "YES",
        "xferlog_file": settings.xferlog_file,
        "vsftpd_log_file": settings.log_file,
        "dual_log_enable": "YES",
        "log_ftp_protocol": "YES",
    }
    if settings.refuse_rename:
        # vsftpd replies "550 Permission denied." to denied commands.
        options["cmds_denied"] = "RNFR,RNTO"
    return "".join(f"{key}={value}\n" for key, value in options.items())


def set_parent_death_signal() -> None:
    """Ask Linux to send SIGTERM to vsftpd if the simulator dies, even by SIGKILL."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def start_vsftpd(config_file: Path, console_file: Path) -> subprocess.Popen:
    """Start vsftpd in a new session, so that a Ctrl-C in the terminal reaches only the simulator.

    vsftpd writes start-up errors ("500 OOPS: ...") to file descriptor 0, as
    strace shows, so the console file is opened for reading and writing and
    given as stdin, stdout and stderr.
    """
    console = os.open(console_file, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    try:
        return subprocess.Popen(
            [VSFTPD_BINARY, str(config_file)],
            stdin=console, stdout=console, stderr=console,
            start_new_session=True,
            preexec_fn=set_parent_death_signal,
        )
    finally:
        os.close(console)


def read_greeting(port: int) -> bytes:
    """Return the first reply line of the FTP server on port."""
    with socket.create_connection((HOST, port), timeout=2) as connection:
        reply = b""
        while b"\n" not in reply:
            chunk = connection.recv(512)
            if not chunk:
                break
            reply += chunk
        try:
            connection.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return reply.split(b"\n", 1)[0].strip()


def wait_for_greeting(process: subprocess.Popen, port: int, console_file: Path) -> None:
    """Wait until vsftpd accepts a connection on port and sends its 220 greeting."""
    deadline = time.monotonic() + VSFTPD_READY_TIMEOUT_SECONDS
    last_problem = "no connection attempt yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(
                f"vsftpd exited with code {process.returncode} during start-up:"
                f" {read_tail(console_file)}"
            )
        try:
            greeting = read_greeting(port)
            if greeting.startswith(b"220"):
                return
            last_problem = f"unexpected greeting {greeting!r}"
        except OSError as error:
            last_problem = str(error)
        time.sleep(POLL_INTERVAL_SECONDS)
    raise StartupError(
        f"vsftpd did not send a 220 greeting on {HOST}:{port} within"
        f" {VSFTPD_READY_TIMEOUT_SECONDS:g} s ({last_problem})"
    )


def read_parent_pids() -> dict[int, int]:
    """Return {pid: parent pid} for every process in /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat_text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may contain spaces, so split after it.
        parents[int(entry)] = int(stat_text.rsplit(")", 1)[1].split()[1])
    return parents


def find_descendants(root_pid: int, parents: dict[int, int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    stack = [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def find_processes_of_user(uid: int, pids: list[int]) -> set[int]:
    """Return the pids whose real, effective, saved or filesystem uid is uid."""
    found = set()
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:"):
                if str(uid) in line.split()[1:]:
                    found.add(pid)
                break
    return found


def is_alive(pid: int) -> bool:
    """Return whether pid exists and is not a zombie."""
    try:
        stat_text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat_text.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def send_signal(pids: set[int], signal_number: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal_number)
        except ProcessLookupError:
            pass


def verify_login(port: int, user: str, password: str, ca_file: Path) -> None:
    """Log in over FTPS and enter /depot, so that a PAM or TLS problem stops the start-up.

    Without this check a client would only see "530 Login incorrect" later. The
    check opens no data connection, because Python 3.11's ftplib does not reuse
    the TLS session there, which vsftpd rejects with require_ssl_reuse=YES.
    """
    context = ssl.create_default_context(cafile=str(ca_file))
    session = ftplib.FTP_TLS(context=context, timeout=10)
    try:
        session.connect(HOST, port)
        session.login(user, password)
        session.prot_p()
        session.cwd("/" + UPLOAD_DIR_NAME)
        session.quit()
    except (OSError, EOFError, ftplib.Error) as error:
        raise StartupError(
            f"test login of {user} on {HOST}:{port} failed ({error}): check that /etc/ftpusers"
            f" does not list the user, that {FTP_USER_SHELL} is in /etc/shells, and read"
            " vsftpd.log in the workdir"
        ) from error
    finally:
        session.close()


def stop_vsftpd(process: subprocess.Popen, user_uid: int | None) -> None:
    """Stop vsftpd and its session processes.

    Each vsftpd session runs in a new session (ps shows it as a session leader),
    so stopping the listener leaves connected sessions running. userdel does not
    notice them: Debian 12's userdel (passwd 1:4.13) deleted the user while a
    session was logged in. So the sessions are found and stopped by pid: the
    listener's descendants, plus the processes of the FTP user, which remain
    when the listener has already died.
    """
    parents = read_parent_pids()
    sessions = find_descendants(process.pid, parents)
    if user_uid is not None:
        sessions |= find_processes_of_user(user_uid, list(parents))
    sessions.discard(os.getpid())

    if process.poll() is None:
        process.terminate()
    send_signal(sessions, signal.SIGTERM)
    try:
        process.wait(timeout=VSFTPD_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        LOG.warning("vsftpd (pid %d) still runs %g s after SIGTERM, sending SIGKILL",
                    process.pid, VSFTPD_STOP_TIMEOUT_SECONDS)
        process.kill()
        process.wait()

    deadline = time.monotonic() + VSFTPD_STOP_TIMEOUT_SECONDS
    while any(is_alive(pid) for pid in sessions) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = {pid for pid in sessions if is_alive(pid)}
    if survivors:
        LOG.warning("vsftpd session processes %s still run after SIGTERM, sending SIGKILL",
                    sorted(survivors))
        send_signal(survivors, signal.SIGKILL)


def read_tail(path: Path, max_characters: int = 500) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError as error:
        return f"(cannot read {path}: {error})"
    return text[-max_characters:] if text else f"(nothing in {path})"


# ---------------------------------------------------------------------------
# Deposit processing
# ---------------------------------------------------------------------------


@dataclass
class PendingReport:
    """Report and certificate that are due after the --report-delay."""

    due_at: float
    receipt: Receipt
    check: DepositCheck


@dataclass
class SizeObservation:
    size: int
    mtime_ns: int
    unchanged_since: float


class StateStore:
    """Processed deposit names in DIR/sim-state.json, so that a restart does not reprocess them.

    Each entry maps the file name to its sha256, size, receipt time, status and
    whether the report was written.
    """

    def __init__(self, path: Path):
        self.path = path
        self.deposits: dict[str, dict] = {}

    def load(self) -> None:
        if not self.path.exists():
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            self.deposits = dict(document["deposits"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StartupError(
                f"cannot read the state file {self.path} ({error}): delete it to process"
                " every deposit again"
            ) from error

    def save(self) -> None:
        document = {"deposits": self.deposits}
        data = (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
        write_file_atomically(self.path, data, 0, 0, 0o644)


class DepositWatcher:
    """Poller that processes each final deposit in the upload folder once and writes its return files."""

    def __init__(self, upload_dir: Path, return_dir: Path, owner: pwd.struct_passwd,
                 state: StateStore, encoding: str, report_delay: float,
                 platform_rejected_ids: frozenset[str]):
        self.upload_dir = upload_dir
        self.return_dir = return_dir
        self.owner = owner
        self.state = state
        self.encoding = encoding
        self.report_delay = report_delay
        self.platform_rejected_ids = platform_rejected_ids
        self.observations: dict[str, SizeObservation] = {}
        self.pending_reports: list[PendingReport] = []
        self.logged_warnings: set[tuple[str, str]] = set()

    def resume_unfinished_reports(self) -> None:
        """Schedule the reports that a previous run acknowledged but did not write."""
        for name, entry in sorted(self.state.deposits.items()):
            if entry.get("rapport_ecrit", True):
                continue
            try:
                data = (self.upload_dir / name).read_bytes()
            except OSError as error:
                LOG.warning("cannot write the report of %s, because the deposit cannot be read"
                            " again (%s)", name, error)
                entry["rapport_ecrit"] = True
                continue
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                LOG.warning("cannot write the report of %s, because the deposit changed since"
                            " its acknowledgement", name)
                entry["rapport_ecrit"] = True
                continue
            receipt = Receipt(name, dt.datetime.fromisoformat(entry["recu_le"].replace("Z", "+00:00")),
                              len(data), entry["sha256"])
            check = check_deposit(data, self.encoding, self.platform_rejected_ids)
            self.pending_reports.append(PendingReport(time.monotonic() + self.report_delay, receipt, check))
            LOG.info("resuming the report of %s", name)
        self.state.save()

    def poll(self) -> None:
        """Process the deposits that became stable and write the reports that are due."""
        for name in self.list_final_deposits():
            if name in self.state.deposits:
                continue
            if self.is_stable(name):
                self.process_guarded(name)
        self.write_due_reports()

    def list_final_deposits(self) -> list[str]:
        try:
            names = sorted(os.listdir(self.upload_dir))
        except OSError as error:
            self.log_once("listdir", str(self.upload_dir), f"cannot list {self.upload_dir}: {error}")
            return []
        return [name for name in names if DEPOSIT_NAME_PATTERN.fullmatch(name)]

    def is_stable(self, name: str) -> bool:
        """Return whether name is a regular file whose size and mtime stayed the same for 0.5 s."""
        now = time.monotonic()
        try:
            status = os.lstat(self.upload_dir / name)
        except FileNotFoundError:
            self.observations.pop(name, None)
            return False
        if not stat.S_ISREG(status.st_mode):
            self.log_once("not-a-file", name, f"ignoring {name}: it is not a regular file")
            return False
        previous = self.observations.get(name)
        if previous is None or (previous.size, previous.mtime_ns) != (status.st_size, status.st_mtime_ns):
            self.observations[name] = SizeObservation(status.st_size, status.st_mtime_ns, now)
            return False
        return now - previous.unchanged_since >= STABLE_SIZE_SECONDS

    def process_guarded(self, name: str) -> None:
        """Process one deposit, and log instead of stopping when something unexpected fails."""
        try:
            self.process(name)
        except FileNotFoundError:
            LOG.warning("%s disappeared before it could be read", name)
            self.observations.pop(name, None)
        except Exception:
            # A bug or an I/O error must not stop the server. The name is recorded
            # so that the failure is not repeated every 0.2 s.
            LOG.exception("processing %s failed. It is not retried unless its entry is removed"
                          " from %s before a restart", name, self.state.path)
            self.state.deposits[name] = {"statut": "ERREUR", "rapport_ecrit": True}
            self.state.save()

    def process(self, name: str) -> None:
        path = self.upload_dir / name
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as stream:
            data = stream.read()
        receipt = Receipt(
            file_name=name,
            received_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        check = check_deposit(data, self.encoding, self.platform_rejected_ids)
        self.write_return_file(acknowledgement_name(receipt.stem), render_acknowledgement(receipt, check))
        self.state.deposits[name] = {
            "sha256": receipt.sha256,
            "taille": receipt.size,
            "recu_le": receipt.received_at_iso,
            "statut": STATUS_RECEIVED if check.file_rejection is None else STATUS_REJECTED,
            "rapport_ecrit": False,
        }
        self.state.save()
        self.observations.pop(name, None)
        if check.file_rejection is None:
            LOG.info("received %s: %d record(s), %d integrated, %d rejected", name,
                     check.record_count, check.integrated_count, check.rejected_count)
        else:
            LOG.info("rejected %s as a whole: %s", name, check.file_rejection)
        self.pending_reports.append(PendingReport(time.monotonic() + self.report_delay, receipt, check))

    def write_due_reports(self) -> None:
        now = time.monotonic()
        due = [pending for pending in self.pending_reports if pending.due_at <= now]
        for pending in due:
            self.pending_reports.remove(pending)
            try:
                self.write_report_and_certificate(pending.receipt, pending.check)
            except Exception:
                # Same reason as in process_guarded: the server keeps running.
                LOG.exception("writing the report of %s failed", pending.receipt.file_name)

    def write_report_and_certificate(self, receipt: Receipt, check: DepositCheck) -> None:
        """Write the certificate first and the report last.

        A client that sees the report can then rely on the certificate being
        there already, unless the file was rejected as a whole.
        """
        if check.file_rejection is None:
            self.write_return_file(certificate_name(receipt.stem), render_certificate(receipt, check))
        self.write_return_file(report_name(receipt.stem), render_report(check))
        entry = self.state.deposits.get(receipt.file_name)
        if entry is not None:
            entry["rapport_ecrit"] = True
            self.state.save()

    def write_return_file(self, name: str, data: bytes) -> None:
        write_file_atomically(self.return_dir / name, data, self.owner.pw_uid, self.owner.pw_gid, 0o644)
        LOG.info("wrote %s/%s (%d bytes)", RETURN_DIR_NAME, name, len(data))

    def log_once(self, kind: str, subject: str, message: str) -> None:
        if (kind, subject) not in self.logged_warnings:
            self.logged_warnings.add((kind, subject))
            LOG.warning("%s", message)


# ---------------------------------------------------------------------------
# Simulator lifecycle
# ---------------------------------------------------------------------------


def write_json_atomically(path: Path, document: dict, mode: int) -> None:
    """Write document to path.tmp, then rename it, so that readers never see a partial file."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(document, stream)
        stream.write("\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def check_reachable_by_others(directory: Path) -> None:
    """Raise StartupError unless every parent of directory lets other users search it.

    vsftpd enters the FTP user's home with that user's rights. When it cannot,
    the login fails right after PASS, and curl 7.88 reports "wrong version number".
    """
    for parent in directory.parents:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            raise StartupError(
                f"the FTP user cannot reach {directory}, because other users cannot search"
                f" {parent}: run 'chmod o+x {parent}', or choose a --workdir whose parent"
                " folders other users can search (tempfile.mkdtemp and mktemp -d create 0700"
                " folders)"
            )


class Simulator:
    """Owner of the work directory lock, the FTP user and the vsftpd process, from start to clean-up."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        self.ready_file: Path = args.ready_file.resolve()
        self.ftp_root = self.workdir / "ftproot"
        self.upload_dir = self.ftp_root / UPLOAD_DIR_NAME
        self.return_dir = self.ftp_root / RETURN_DIR_NAME
        self.user_record = self.workdir / "sim-user.json"
        self.lock_descriptor: int | None = None
        self.user_name: str | None = None
        self.vsftpd: subprocess.Popen | None = None
        self.watcher: DepositWatcher | None = None
        self.owner: pwd.struct_passwd | None = None
        self.ready_file_written = False

    def run(self) -> int:
        install_stop_handlers()
        try:
            self.start()
            return self.serve()
        except StopRequested as stop:
            LOG.info("stopping on %s", stop)
            return EXIT_STOPPED
        except StartupError as error:
            LOG.error("%s", error)
            return EXIT_RUNTIME_FAILURE
        finally:
            ignore_stop_signals()
            self.clean_up()

    def start(self) -> None:
        """Start vsftpd for a new user and write the ready file. prepare_workdir must run first."""
        state = self.load_state()
        tls = generate_tls_files(self.workdir / "tls")
        password = secrets.token_urlsafe(18)
        self.create_ftp_user(password)
        owner = pwd.getpwnam(self.user_name)
        self.owner = owner
        self.prepare_ftp_root(owner)

        control_port = pick_free_port()
        passive_min_port = pick_free_port_range(PASSIVE_PORT_COUNT, excluded=control_port)
        settings = ServerSettings(
            control_port=control_port,
            passive_min_port=passive_min_port,
            passive_max_port=passive_min_port + PASSIVE_PORT_COUNT - 1,
            tls=tls,
            log_file=self.workdir / "vsftpd.log",
            xferlog_file=self.workdir / "xferlog",
            refuse_rename=self.args.refuse_rename,
        )
        config_file = self.workdir / "vsftpd.conf"
        config_file.write_text(render_vsftpd_config(settings))
        os.chmod(config_file, 0o600)
        SECURE_CHROOT_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)

        console_file = self.workdir / "vsftpd-console.log"
        self.vsftpd = start_vsftpd(config_file, console_file)
        wait_for_greeting(self.vsftpd, control_port, console_file)
        verify_login(control_port, self.user_name, password, tls.ca_certificate)
        LOG.info("vsftpd (pid %d) listens on %s:%d, passive ports %d-%d, user %s",
                 self.vsftpd.pid, HOST, control_port, settings.passive_min_port,
                 settings.passive_max_port, self.user_name)

        self.watcher = DepositWatcher(
            self.upload_dir, self.return_dir, owner, state, self.args.encoding,
            self.args.report_delay, frozenset(self.args.reject_dwelling),
        )
        self.watcher.resume_unfinished_reports()
        self.write_ready_file(control_port, password, tls)

    def prepare_workdir(self) -> None:
        self.workdir.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.take_workdir_lock()
        mode = os.stat(self.workdir).st_mode
        if not mode & stat.S_IXOTH:
            # mkdtemp creates 0700 folders, which the FTP user could not enter.
            os.chmod(self.workdir, stat.S_IMODE(mode) | stat.S_IXOTH)
            LOG.info("added search permission for other users to %s", self.workdir)
        check_reachable_by_others(self.workdir)
        self.ready_file.unlink(missing_ok=True)
        self.delete_user_left_by_previous_run()

    def take_workdir_lock(self) -> None:
        descriptor = os.open(self.workdir / "sim.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise StartupError(f"another simulator uses {self.workdir}: stop it or choose another --workdir")
        self.lock_descriptor = descriptor

    def delete_user_left_by_previous_run(self) -> None:
        """Delete the user of a previous run on this workdir that could not clean up (SIGKILL)."""
        if not self.user_record.exists():
            return
        try:
            name = json.loads(self.user_record.read_text())["user"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            LOG.warning("ignoring unreadable %s (%s)", self.user_record, error)
            return
        if isinstance(name, str) and FTP_USER_PATTERN.fullmatch(name) and user_exists(name):
            if pwd.getpwnam(name).pw_dir == str(self.ftp_root):
                LOG.info("deleting user %s left by a previous run", name)
                delete_user(name)
        self.user_record.unlink(missing_ok=True)

    def create_ftp_user(self, password: str) -> None:
        name = choose_user_name()
        # The name is recorded before useradd, so that the next run on this
        # workdir can delete the user if this process is killed by SIGKILL.
        write_json_atomically(self.user_record, {"user": name}, 0o644)
        self.user_name = name
        create_user(name, self.ftp_root, password)

    def prepare_ftp_root(self, owner: pwd.struct_passwd) -> None:
        """Create ftproot (root-owned) with depot/ and retour/ owned by the FTP user.

        After a restart the user has a new uid, so existing folders and files are
        given to the new user.
        """
        self.ftp_root.mkdir(mode=0o755, exist_ok=True)
        os.chown(self.ftp_root, 0, 0)
        os.chmod(self.ftp_root, 0o755)
        for folder in (self.upload_dir, self.return_dir):
            folder.mkdir(mode=0o755, exist_ok=True)
            os.chmod(folder, 0o755)
            os.chown(folder, owner.pw_uid, owner.pw_gid)
            for entry in folder.iterdir():
                os.chown(entry, owner.pw_uid, owner.pw_gid, follow_symlinks=False)

    def load_state(self) -> StateStore:
        state = StateStore(self.workdir / "sim-state.json")
        state.load()
        return state

    def write_ready_file(self, port: int, password: str, tls: TlsFiles) -> None:
        self.ready_file.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "host": HOST,
            "port": port,
            "user": self.user_name,
            "password": password,
            "ca_file": str(tls.ca_certificate),
            "ftp_root": str(self.ftp_root),
            "upload_dir": "/" + UPLOAD_DIR_NAME,
            "return_dir": "/" + RETURN_DIR_NAME,
            "pid": os.getpid(),
        }
        # 0600, because the file contains the password.
        write_json_atomically(self.ready_file, document, 0o600)
        self.ready_file_written = True
        LOG.info("ready: wrote %s", self.ready_file)

    def serve(self) -> int:
        while True:
            self.watcher.poll()
            if self.vsftpd.poll() is not None:
                LOG.error("vsftpd (pid %d) exited unexpectedly with code %d: %s", self.vsftpd.pid,
                          self.vsftpd.returncode, read_tail(self.workdir / "vsftpd-console.log"))
                return EXIT_RUNTIME_FAILURE
            time.sleep(POLL_INTERVAL_SECONDS)

    def clean_up(self) -> None:
        """Stop vsftpd, delete the user and remove the ready file. Each step runs even if one fails."""
        for step in (self.stop_server, self.delete_ftp_user, self.remove_ready_file, self.release_lock):
            try:
                step()
            except Exception:
                LOG.exception("clean-up step %s failed", step.__name__)

    def stop_server(self) -> None:
        if self.vsftpd is not None:
            stop_vsftpd(self.vsftpd, self.owner.pw_uid if self.owner else None)
            LOG.info("vsftpd stopped")

    def delete_ftp_user(self) -> None:
        if self.user_name is None:
            return
        if user_exists(self.user_name):
            if not delete_user(self.user_name):
                return
            LOG.info("deleted user %s", self.user_name)
        self.user_record.unlink(missing_ok=True)

    def remove_ready_file(self) -> None:
        if self.ready_file_written:
            # The password in the ready file is no longer valid.
            self.ready_file.unlink(missing_ok=True)

    def release_lock(self) -> None:
        if self.lock_descriptor is not None:
            os.close(self.lock_descriptor)
            self.lock_descriptor = None


def raise_stop_requested(signal_number: int, frame) -> None:
    raise StopRequested(signal.Signals(signal_number).name)


def install_stop_handlers() -> None:
    for signal_number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signal_number, raise_stop_requested)


def ignore_stop_signals() -> None:
    """Ignore further stop signals, so that a second Ctrl-C cannot interrupt the clean-up."""
    for signal_number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signal_number, signal.SIG_IGN)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Simulate the CLAMEUR collection platform: an FTPS server (vsftpd) on 127.0.0.1"
            " that checks each deposited contribution file and writes an acknowledgement,"
            " an integration report and a PDF certificate. Must run as root."
        ),
    )
    parser.add_argument("--workdir", type=Path, required=True,
                        help="folder for the TLS files, vsftpd configuration, logs, state and"
                             " FTP root; created if missing")
    parser.add_argument("--ready-file", type=Path, required=True,
                        help="JSON file written once the server accepts connections, with the"
                             " port, user, password and CA file; removed on exit")
    parser.add_argument("--report-delay", type=float, default=0.0, metavar="SECONDS",
                        help="seconds between the acknowledgement and the report and certificate"
                             " (default: 0)")
    parser.add_argument("--reject-dwelling", action="append", default=[], metavar="ID",
                        help="reject the dwelling with this identifier (position 1) with the reason"
                             f" '{PLATFORM_REJECTION_REASON}'; repeatable")
    parser.add_argument("--refuse-rename", action="store_true",
                        help="make vsftpd deny RNFR and RNTO with '550 Permission denied.'")
    parser.add_argument("--encoding", choices=("cp1252", "utf-8"), default="cp1252",
                        help="encoding used to decode deposits (default: cp1252)")
    args = parser.parse_args(argv)
    if not math.isfinite(args.report_delay) or args.report_delay < 0:
        parser.error(f"--report-delay must be zero or more seconds, got {args.report_delay:g}")
    return args


def find_missing_prerequisite() -> str | None:
    """Return a message naming the first missing prerequisite, or None."""
    if os.geteuid() != 0:
        return ("the simulator must run as root, because it creates a system user and starts"
                " vsftpd: run it with sudo or as root")
    for tool in (VSFTPD_BINARY, "openssl", "useradd", "userdel", "chpasswd"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: install the Debian packages vsftpd, openssl and passwd"
    return None


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s platform_sim %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    args = parse_arguments(argv)
    problem = find_missing_prerequisite()
    if problem is not None:
        LOG.error("%s", problem)
        return EXIT_CANNOT_START
    simulator = Simulator(args)
    try:
        check_pam_allows_shell()
        simulator.prepare_workdir()
    except (StartupError, OSError) as error:
        LOG.error("%s", error)
        simulator.clean_up()
        return EXIT_CANNOT_START
    return simulator.run()


if __name__ == "__main__":
    sys.exit(main())
