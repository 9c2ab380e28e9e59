#!/usr/bin/env python3
"""Self-test of the platform simulator against a real vsftpd, with the curl CLI over FTPS.

Run as root, because the simulator creates a system user:

    python3 tests/simulator/selftest.py -v

Exits non-zero when a test fails. DepositTests shares one simulator, and each
LifecycleTests test starts its own. Every simulator runs in a temporary folder.
"""

from __future__ import annotations

import ftplib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

SIMULATOR = Path(__file__).resolve().parent / "platform_sim.py"
START_TIMEOUT_SECONDS = 60
RETURN_FILES_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
CURL_TIMEOUT_SECONDS = 30
SIRET = "73282932000074"
YEAR = "2027"
READY_FILE_KEYS = {"host", "port", "user", "password", "ca_file", "ftp_root", "upload_dir", "return_dir", "pid"}

# A valid dwelling line, as (official position, value) pairs in file order.
VALID_DWELLING = (
    ("1", "LOG-0001"), ("2", "1"), ("3", "1"), ("4", "150327"), ("4b", "150326"),
    ("5", "12"), ("5b", "B"), ("5c", "RUE"), ("5d", "de la Paix"), ("5e", "Bât. A"),
    ("5f", "91000"), ("5g", "Évry-Courcouronnes"), ("6", "91228"), ("6b", ""), ("6c", "0101"),
    ("6d", "AB"), ("6e", "0123"), ("7", "0101"), ("8", "CPI91012020000000001"), ("8b", "G-001"),
    ("8c", "Agence Éole"), ("21", ""), ("31", "1"), ("32", "3"), ("33", "1975"),
    ("34", "1"), ("35", "1"), ("35b", "2"), ("35c", "1"), ("35d", "1"),
    ("35e", "2"), ("41", "3"), ("42", "45"), ("43", "-1"), ("44", "1"),
    ("44b", "2"), ("44c", "2"), ("45", "1"), ("45b", "1"), ("46", "1"),
    ("47", "1"), ("50", "D"), ("51", "1"), ("52", "1"), ("53", "1"),
    ("54", "01092026"), ("54b", "15082026"), ("55", "2"), ("56", "850,00"), ("56b", "870,50"),
    ("57", ""), ("57b", ""), ("58", "65,00"), ("58b", "60,00"), ("59", "Loué meublé"),
)
POSITIONS = [position for position, _ in VALID_DWELLING]


def dwelling(identifier: str, **changes: str) -> list[str]:
    """Return the fields of a valid dwelling line, with changes keyed by position ("p42" for 42)."""
    values = dict(VALID_DWELLING)
    values["1"] = identifier
    for key, value in changes.items():
        position = key.removeprefix("p")
        if position not in values:
            raise KeyError(f"unknown position {position}")
        values[position] = value
    return [values[position] for position in POSITIONS]


def build_deposit(dwellings: list[list[str]], announced_count: int | None = None,
                  siret: str = SIRET, encoding: str = "cp1252", line_ending: str = "\r\n") -> bytes:
    count = len(dwellings) if announced_count is None else announced_count
    lines = [f"{YEAR};{siret};{count};Extraction de test"]
    lines += [";".join(fields) for fields in dwellings]
    return (line_ending.join(lines) + line_ending).encode(encoding)


def deposit_name(sequence: int) -> str:
    return f"{YEAR}_{SIRET}_{sequence:03d}.CSV"


def stem_of(name: str) -> str:
    return name.removesuffix(".CSV")


def wait_until(condition, timeout: float, description: str, interval: float = 0.1):
    """Poll condition until it returns a true value, and return that value, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {description}")
        time.sleep(interval)


def parse_key_values(text: str) -> dict[str, str]:
    pairs = {}
    for line in text.splitlines():
        key, separator, value = line.partition("=")
        if separator:
            pairs[key] = value
    return pairs


def make_temporary_dir() -> tempfile.TemporaryDirectory:
    """Create a temporary folder that the FTP user can search, because vsftpd enters its home as that user."""
    temporary_dir = tempfile.TemporaryDirectory(prefix="platform-sim-test-")
    os.chmod(temporary_dir.name, 0o755)
    return temporary_dir


def user_exists(name: str) -> bool:
    return subprocess.run(["id", name], capture_output=True).returncode == 0


def port_accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class RunningSimulator:
    """The simulator as a child process, with its ready file parsed into info."""

    def __init__(self, workdir: Path, *options: str):
        self.workdir = workdir
        self.ready_file = workdir / "ready.json"
        self.options = options
        self.process: subprocess.Popen | None = None
        self.info: dict = {}
        self.log_path = workdir.parent / f"{workdir.name}-simulator.log"

    def start(self) -> RunningSimulator:
        # A simulator killed by SIGKILL leaves its ready file behind.
        self.ready_file.unlink(missing_ok=True)
        log = open(self.log_path, "ab")
        command = [sys.executable, str(SIMULATOR), "--workdir", str(self.workdir),
                   "--ready-file", str(self.ready_file), *self.options]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(lambda: self.ready_file.exists() or self.process.poll() is not None,
                   START_TIMEOUT_SECONDS, f"the ready file {self.ready_file}")
        if self.process.poll() is not None:
            raise AssertionError(f"the simulator exited with code {self.process.returncode}"
                                 f" before it was ready:\n{self.log_text()}")
        self.info = json.loads(self.ready_file.read_text())
        return self

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Send signal_number unless the simulator already exited, and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def return_dir(self) -> Path:
        return Path(self.info["ftp_root"]) / "retour"

    @property
    def upload_dir(self) -> Path:
        return Path(self.info["ftp_root"]) / "depot"

    def find_vsftpd_pid(self) -> int:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat_text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            command_name = stat_text[stat_text.index("(") + 1: stat_text.rindex(")")]
            parent = int(stat_text.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid and command_name == "vsftpd":
                return int(entry)
        raise AssertionError(f"no vsftpd child of the simulator (pid {self.process.pid})")


class FtpsClient:
    """Client that runs the curl CLI with explicit FTPS (AUTH TLS) against the simulator."""

    def __init__(self, info: dict, tls_options: tuple[str, ...] = ()):
        self.info = info
        self.tls_options = tls_options

    def url(self, path: str) -> str:
        return f"ftp://{self.info['host']}:{self.info['port']}{path}"

    def run(self, *arguments: str, secure: bool = True, password: str | None = None) -> subprocess.CompletedProcess:
        """Run curl verbosely, so that stderr contains the FTP dialogue and the TLS version."""
        command = ["curl", "--silent", "--show-error", "--verbose", "--max-time", str(CURL_TIMEOUT_SECONDS),
                   "--cacert", self.info["ca_file"],
                   "--user", f"{self.info['user']}:{password or self.info['password']}"]
        if secure:
            command.append("--ssl-reqd")
        command += [*self.tls_options, *arguments]
        return subprocess.run(command, capture_output=True)

    def describe(self, completed: subprocess.CompletedProcess) -> str:
        """Return curl's exit code and dialogue for an assertion message, without the password."""
        dialogue = completed.stderr.decode(errors="replace").replace(self.info["password"], "***")
        return f"curl exit code {completed.returncode}\n{dialogue}"

    def upload(self, data: bytes, name: str, rename: bool = True) -> subprocess.CompletedProcess:
        """Upload data to /depot/NAME.part, then rename it to NAME with post-transfer quote commands."""
        with tempfile.NamedTemporaryFile(suffix=".csv") as local:
            local.write(data)
            local.flush()
            arguments = ["--upload-file", local.name, self.url(f"/depot/{name}.part")]
            if rename:
                # A leading "-" makes curl send the command after the transfer, in
                # the working directory of the transfer (/depot).
                arguments += ["--quote", f"-RNFR {name}.part", "--quote", f"-RNTO {name}"]
            return self.run(*arguments)

    def list_names(self, directory: str) -> list[str]:
        completed = self.run("--list-only", self.url(f"{directory}/"))
        if completed.returncode != 0:
            raise AssertionError(f"listing {directory} failed: {self.describe(completed)}")
        return completed.stdout.decode().split()

    def download(self, path: str) -> bytes:
        completed = self.run(self.url(path))
        if completed.returncode != 0:
            raise AssertionError(f"downloading {path} failed: {self.describe(completed)}")
        return completed.stdout

    def wait_for_return_files(self, names: list[str]) -> None:
        wait_until(lambda: set(names) <= set(self.list_names("/retour")),
                   RETURN_FILES_TIMEOUT_SECONDS, f"{', '.join(names)} in /retour")

    def deposit_and_wait(self, data: bytes, name: str, expect_certificate: bool = True) -> dict[str, bytes]:
        """Upload a deposit, wait for its return files and return them by suffix (ACK, RAPPORT, CERTIFICAT)."""
        completed = self.upload(data, name)
        if completed.returncode != 0:
            raise AssertionError(f"uploading {name} failed: {self.describe(completed)}")
        stem = stem_of(name)
        # The simulator writes the report last, so the certificate is there by then.
        self.wait_for_return_files([f"{stem}.ACK.TXT", f"{stem}.RAPPORT.CSV"])
        files = {
            "ACK": self.download(f"/retour/{stem}.ACK.TXT"),
            "RAPPORT": self.download(f"/retour/{stem}.RAPPORT.CSV"),
        }
        if expect_certificate:
            files["CERTIFICAT"] = self.download(f"/retour/{stem}.CERTIFICAT.PDF")
        return files


# ---------------------------------------------------------------------------
# PDF checks
# ---------------------------------------------------------------------------


def parse_xref_offsets(pdf: bytes) -> tuple[int, dict[int, int], int]:
    """Return (xref offset, {object number: offset} of in-use entries, trailer /Size)."""
    match = re.search(rb"startxref\r?\n(\d+)\r?\n%%EOF\r?\n?$", pdf)
    if match is None:
        raise AssertionError("the PDF does not end with startxref, an offset and %%EOF")
    xref_offset = int(match.group(1))
    if pdf[xref_offset:xref_offset + 4] != b"xref":
        raise AssertionError(f"startxref {xref_offset} does not point at 'xref'")
    position = pdf.index(b"\n", xref_offset) + 1
    offsets = {}
    while not pdf.startswith(b"trailer", position):
        end = pdf.index(b"\n", position)
        first, count = (int(number) for number in pdf[position:end].split())
        position = end + 1
        for number in range(first, first + count):
            entry = pdf[position:position + 20]
            if len(entry) != 20 or entry[-2:] not in (b" \n", b"\r\n", b" \r"):
                raise AssertionError(f"xref entry {number} is not 20 bytes long: {entry!r}")
            if entry[17:18] == b"n":
                offsets[number] = int(entry[0:10])
            position += 20
    size = re.search(rb"/Size (\d+)", pdf[position:])
    if size is None:
        raise AssertionError("the PDF trailer has no /Size")
    return xref_offset, offsets, int(size.group(1))


def decode_pdf_string(literal: bytes) -> bytes:
    """Decode the escapes of a PDF literal string body (without the parentheses)."""
    decoded = bytearray()
    index = 0
    while index < len(literal):
        byte = literal[index]
        if byte != ord("\\"):
            decoded.append(byte)
            index += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", literal[index + 1:index + 4])
        if octal:
            decoded.append(int(octal.group(0), 8))
            index += 1 + len(octal.group(0))
        else:
            decoded.append(literal[index + 1])
            index += 2
    return bytes(decoded)


def extract_pdf_text(pdf: bytes) -> list[str]:
    """Return the strings shown with Tj in the uncompressed content stream, decoded as WinAnsi."""
    match = re.search(rb"<< /Length (\d+) >>\nstream\n", pdf)
    if match is None:
        raise AssertionError("no content stream with a direct /Length found")
    content = pdf[match.end():match.end() + int(match.group(1))]
    literals = re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.DOTALL)
    return [decode_pdf_string(literal).decode("cp1252") for literal in literals]


# ---------------------------------------------------------------------------
# Tests on one simulator: deposits, return files and FTPS behaviour
# ---------------------------------------------------------------------------


class DepositTests(unittest.TestCase):
    """Deposits on one simulator started with --reject-dwelling LOG-REJ."""

    simulator: RunningSimulator
    client: FtpsClient
    main_deposit: bytes
    main_files: dict[str, bytes]
    temporary_dir: tempfile.TemporaryDirectory

    @classmethod
    def setUpClass(cls):
        cls.temporary_dir = make_temporary_dir()
        workdir = Path(cls.temporary_dir.name) / "work"
        cls.simulator = RunningSimulator(workdir, "--reject-dwelling", "LOG-REJ")
        try:
            cls.simulator.start()
            cls.client = FtpsClient(cls.simulator.info)
            cls.main_deposit = build_deposit([
                dwelling("LOG-0001"),
                dwelling("LOG-0002", p42="12,5"),
                dwelling("LOG-0003", p5g="Paris", p6="75056"),
            ])
            cls.main_files = cls.client.deposit_and_wait(cls.main_deposit, deposit_name(1))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.simulator.process is not None:
                exit_code = cls.simulator.stop()
                if exit_code != 0:
                    print(f"simulator exit code {exit_code}:\n{cls.simulator.log_text()}", file=sys.stderr)
        finally:
            cls.temporary_dir.cleanup()

    def test_ready_file_fields(self):
        info = self.simulator.info
        self.assertEqual(set(info), READY_FILE_KEYS)
        self.assertEqual(info["host"], "127.0.0.1")
        self.assertIsInstance(info["port"], int)
        self.assertRegex(info["user"], r"^alursim[a-z0-9]{6}$")
        self.assertTrue(user_exists(info["user"]))
        self.assertTrue(Path(info["ca_file"]).is_file())
        self.assertEqual(info["ftp_root"], str(self.simulator.workdir / "ftproot"))
        self.assertEqual(info["upload_dir"], "/depot")
        self.assertEqual(info["return_dir"], "/retour")
        self.assertEqual(info["pid"], self.simulator.process.pid)
        self.assertEqual(os.stat(self.simulator.ready_file).st_mode & 0o777, 0o600)

    def test_server_certificate_names_and_chain(self):
        tls_dir = self.simulator.workdir / "tls"
        names = subprocess.run(
            ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(tls_dir / "server.pem")],
            capture_output=True, text=True, check=True).stdout
        self.assertIn("IP Address:127.0.0.1", names)
        self.assertIn("DNS:localhost", names)
        verified = subprocess.run(
            ["openssl", "verify", "-CAfile", str(tls_dir / "ca.pem"), str(tls_dir / "server.pem")],
            capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)

    def test_acknowledgement_fields(self):
        fields = parse_key_values(self.main_files["ACK"].decode("utf-8"))
        self.assertEqual(fields["fichier"], deposit_name(1))
        self.assertRegex(fields["recu_le"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
        self.assertEqual(fields["taille"], str(len(self.main_deposit)))
        self.assertEqual(fields["sha256"], hashlib.sha256(self.main_deposit).hexdigest())
        self.assertEqual(fields["enregistrements"], "3")
        self.assertEqual(fields["statut"], "RECU")
        self.assertNotIn("motif", fields)

    def test_report_lines_and_statuses(self):
        report = self.main_files["RAPPORT"]
        self.assertNotIn(b"\r", report)
        rows = [line.split(";") for line in report.decode("utf-8").splitlines()]
        self.assertEqual(rows[0], ["identifiant", "statut", "motif"])
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[1], ["LOG-0001", "INTEGRE", ""])
        self.assertEqual(rows[2][:2], ["LOG-0002", "REJETE"])
        self.assertEqual(rows[2][2], "position 42 (surface) : « 12,5 » n'est pas un entier")
        self.assertEqual(rows[3], ["LOG-0003", "INTEGRE", ""])

    def test_certificate_pdf_structure(self):
        pdf = self.main_files["CERTIFICAT"]
        self.assertTrue(pdf.startswith(b"%PDF-1.4\n"), pdf[:20])
        self.assertTrue(pdf.endswith(b"%%EOF\n"), pdf[-20:])
        xref_offset, offsets, size = parse_xref_offsets(pdf)
        self.assertEqual(size, len(offsets) + 1)
        for number, offset in offsets.items():
            with self.subTest(object=number):
                self.assertTrue(pdf.startswith(f"{number} 0 obj".encode(), offset),
                                f"xref offset {offset} of object {number} points at {pdf[offset:offset + 12]!r}")
                self.assertLess(offset, xref_offset)
        self.assertIn(b"/BaseFont /Helvetica", pdf)
        self.assertIn(b"/Encoding /WinAnsiEncoding", pdf)
        self.assertIn(b"/MediaBox [0 0 595.28 841.89]", pdf)

    def test_certificate_pdf_stream_length(self):
        pdf = self.main_files["CERTIFICAT"]
        match = re.search(rb"<< /Length (\d+) >>\nstream\n", pdf)
        self.assertIsNotNone(match)
        after_data = pdf[match.end() + int(match.group(1)):]
        self.assertTrue(after_data.startswith(b"\nendstream"), after_data[:20])

    def test_certificate_pdf_text(self):
        text = "\n".join(extract_pdf_text(self.main_files["CERTIFICAT"]))
        received = parse_key_values(self.main_files["ACK"].decode())["recu_le"]
        day = f"{received[8:10]}/{received[5:7]}/{received[0:4]}"
        self.assertIn("Attestation de transmission", text)
        self.assertIn("CLAMEUR", text)
        self.assertIn(f"Fichier : {deposit_name(1)}", text)
        self.assertIn(f"SIRET du déposant : {SIRET}", text)
        self.assertIn(f"Année d'extraction : {YEAR}", text)
        self.assertIn(f"Date de réception : {day} à {received[11:19]} UTC", text)
        self.assertIn("Enregistrements reçus : 3", text)
        self.assertIn("Enregistrements intégrés : 2", text)
        self.assertIn("Enregistrements rejetés : 1", text)

    def test_return_files_owned_by_ftp_user(self):
        user_id = int(subprocess.run(["id", "-u", self.simulator.info["user"]],
                                     capture_output=True, text=True, check=True).stdout)
        for suffix in ("ACK.TXT", "RAPPORT.CSV", "CERTIFICAT.PDF"):
            with self.subTest(suffix=suffix):
                path = self.simulator.return_dir / f"{stem_of(deposit_name(1))}.{suffix}"
                self.assertEqual(path.stat().st_uid, user_id)

    def test_listing_over_tls(self):
        completed = self.client.run("--list-only", self.client.url("/retour/"))
        self.assertEqual(completed.returncode, 0, self.client.describe(completed))
        names = completed.stdout.decode().split()
        self.assertIn(f"{stem_of(deposit_name(1))}.ACK.TXT", names)
        # Control connection and data connection both use TLS.
        self.assertGreaterEqual(completed.stderr.count(b"SSL connection using TLSv1.3"), 2,
                                self.client.describe(completed))

    def test_clear_data_channel_rejected(self):
        # --ftp-ssl-control protects the login only and requests a clear data channel (PROT C).
        completed = self.client.run("--ftp-ssl-control", "--list-only", self.client.url("/retour/"),
                                    secure=False)
        self.assertNotEqual(completed.returncode, 0, self.client.describe(completed))
        self.assertIn(b"522 Data connections must be encrypted", completed.stderr)

    def test_login_without_tls_rejected(self):
        completed = self.client.run("--list-only", self.client.url("/retour/"), secure=False)
        self.assertEqual(completed.returncode, 67, self.client.describe(completed))
        self.assertIn(b"530 Non-anonymous sessions must use encryption", completed.stderr)

    def test_wrong_password_rejected(self):
        completed = self.client.run("--list-only", self.client.url("/retour/"), password="wrong-password")
        self.assertEqual(completed.returncode, 67, self.client.describe(completed))
        self.assertIn(b"530 Login incorrect", completed.stderr)

    def test_upload_with_tls_1_2(self):
        client = FtpsClient(self.simulator.info, tls_options=("--tls-max", "1.2"))
        files = client.deposit_and_wait(build_deposit([dwelling("LOG-TLS12")]), deposit_name(20))
        self.assertEqual(parse_key_values(files["ACK"].decode())["statut"], "RECU")
        completed = client.run("--list-only", client.url("/retour/"))
        self.assertEqual(completed.returncode, 0, client.describe(completed))
        self.assertIn(b"SSL connection using TLSv1.2", completed.stderr)
        self.assertNotIn(b"TLSv1.3", completed.stderr)

    def test_upload_with_tls_1_3(self):
        completed = self.client.upload(build_deposit([dwelling("LOG-TLS13")]), deposit_name(21))
        self.assertEqual(completed.returncode, 0, self.client.describe(completed))
        self.assertIn(b"SSL connection using TLSv1.3", completed.stderr)
        self.assertIn(b"250 Rename successful", completed.stderr)

    def test_tls_1_1_rejected(self):
        client = FtpsClient(self.simulator.info, tls_options=("--tlsv1.0", "--tls-max", "1.1"))
        completed = client.run("--list-only", client.url("/retour/"))
        self.assertEqual(completed.returncode, 35, client.describe(completed))

    def test_part_name_ignored(self):
        part_only = deposit_name(30)
        completed = self.client.upload(build_deposit([dwelling("LOG-PART")]), part_only, rename=False)
        self.assertEqual(completed.returncode, 0, self.client.describe(completed))
        # A later deposit gets processed, so the scan has seen the .part file too.
        self.client.deposit_and_wait(build_deposit([dwelling("LOG-AFTER-PART")]), deposit_name(31))
        self.assertIn(f"{part_only}.part", self.client.list_names("/depot"))
        returned = self.client.list_names("/retour")
        self.assertFalse([name for name in returned if name.startswith(stem_of(part_only))], returned)

    def test_header_count_mismatch_rejects_file(self):
        data = build_deposit([dwelling("LOG-A"), dwelling("LOG-B")], announced_count=5)
        files = self.client.deposit_and_wait(data, deposit_name(40), expect_certificate=False)
        fields = parse_key_values(files["ACK"].decode())
        self.assertEqual(fields["statut"], "REJETE")
        self.assertEqual(fields["enregistrements"], "2")
        self.assertEqual(fields["motif"],
                         "l'en-tête annonce 5 logement(s) mais le fichier contient 2 ligne(s) de logement")
        self.assertEqual(files["RAPPORT"], b"identifiant;statut;motif\n")
        self.assertNotIn(f"{stem_of(deposit_name(40))}.CERTIFICAT.PDF", self.client.list_names("/retour"))

    def test_invalid_siret_rejects_file(self):
        files = self.client.deposit_and_wait(build_deposit([dwelling("LOG-A")], siret="ABC"),
                                             deposit_name(41), expect_certificate=False)
        fields = parse_key_values(files["ACK"].decode())
        self.assertEqual(fields["statut"], "REJETE")
        self.assertEqual(fields["motif"],
                         "en-tête (ligne 1) : le SIRET « ABC » ne comporte pas exactement 14 chiffres")

    def test_undecodable_byte_rejects_file(self):
        data = build_deposit([dwelling("LOG-A")]).replace("Évry".encode("cp1252"), b"\x81vry")
        files = self.client.deposit_and_wait(data, deposit_name(42), expect_certificate=False)
        fields = parse_key_values(files["ACK"].decode())
        self.assertEqual(fields["statut"], "REJETE")
        self.assertIn("octet 0x81 non décodable en cp1252 à la ligne 2", fields["motif"])

    def test_wrong_field_count_everywhere_rejects_file(self):
        header = f"{YEAR};{SIRET};2;".encode()
        data = header + b"\r\n" + b",".join(b"x" for _ in range(55)) + b"\r\n" + b"a;b;c\r\n"
        files = self.client.deposit_and_wait(data, deposit_name(43), expect_certificate=False)
        fields = parse_key_values(files["ACK"].decode())
        self.assertEqual(fields["statut"], "REJETE")
        self.assertIn("aucune ligne de logement ne comporte 55 champs", fields["motif"])

    def test_platform_rejected_dwelling(self):
        data = build_deposit([dwelling("LOG-OK"), dwelling("LOG-REJ")])
        files = self.client.deposit_and_wait(data, deposit_name(50))
        rows = files["RAPPORT"].decode().splitlines()
        self.assertEqual(rows[1], "LOG-OK;INTEGRE;")
        self.assertEqual(rows[2], "LOG-REJ;REJETE;Rejeté par la plateforme (test)")
        text = "\n".join(extract_pdf_text(files["CERTIFICAT"]))
        self.assertIn("Enregistrements rejetés : 1", text)

    def test_field_rules(self):
        # Each dwelling breaks one rule. The expected reason is a substring of the report's motif.
        cases = [
            (dwelling("R-DATE", p4="310227"), "position 4 (date d'enquête) : « 310227 » n'est pas une date valide au format JJMMAA"),
            (dwelling("R-CP", p5f="7500"), "position 5f (code postal) : « 7500 » ne comporte pas exactement 5 chiffres"),
            (dwelling("R-DPE", p50="H"), "position 50 (classe DPE) : « H » n'est pas une valeur admise"),
            (dwelling("R-RENT", p56b="870.50"), "position 56b (loyer actuel) : « 870.50 » utilise un point"),
            (dwelling("R-ZERO", p56b="0,00"), "position 56b (loyer actuel) : « 0,00 » doit être supérieur à zéro"),
            (dwelling("R-INSEE", p6="2C001"), "position 6 (code INSEE) : « 2C001 » n'est pas un code INSEE valide"),
            (dwelling("R-FLOOR", p43="-10"), "position 43 (étage) : « -10 » n'est pas un étage valide"),
            (dwelling("R-ROOMS", p41="0"), "position 41 (nombre de pièces) : « 0 » n'est pas compris entre 1 et 99"),
            (dwelling("R-MISSING", p5d=""), "position 5d (nom de voie) : valeur obligatoire manquante"),
            (dwelling("R-LONG", p5g="C" * 36), "position 5g (commune) : « " + "C" * 36 + " » dépasse 35 caractères (36)"),
            (dwelling("R-CARD", p8="C" * 21), "position 8 (carte professionnelle) : « " + "C" * 21 + " » dépasse 20 caractères (21)"),
            (dwelling("R-LEASE", p54b="31022026"), "position 54b (date du bail) : « 31022026 » n'est pas une date valide au format JJMMAAAA"),
            (dwelling("R-REF", p7="3002"), "position 7 (date de référence) : « 3002 » n'est pas une date valide au format JJMM"),
            (dwelling("R-FIELDS")[:54], "ligne 15 : 54 champ(s) au lieu de 55"),
            (dwelling("R-DATE"), "position 1 (identifiant du logement) : « R-DATE » figure déjà à la ligne 2"),
        ]
        accepted = [dwelling("A-FLOOR", p43="-1"), dwelling("A-LEAP", p7="2902", p4="290224"),
                    dwelling("A-CORSE", p6="2A004", p6c="", p33="", p56="")]
        data = build_deposit([fields for fields, _ in cases] + accepted, line_ending="\n")
        files = self.client.deposit_and_wait(data, deposit_name(60))
        rows = [line.split(";") for line in files["RAPPORT"].decode().splitlines()[1:]]
        self.assertEqual(len(rows), len(cases) + len(accepted))
        for (fields, expected_reason), row in zip(cases, rows):
            with self.subTest(identifier=fields[0]):
                self.assertEqual(row[1], "REJETE")
                self.assertIn(expected_reason, row[2])
        for fields, row in zip(accepted, rows[len(cases):]):
            with self.subTest(identifier=fields[0]):
                self.assertEqual(row, [fields[0], "INTEGRE", ""])

    def test_client_deletes_return_file(self):
        name = deposit_name(70)
        self.client.deposit_and_wait(build_deposit([dwelling("LOG-DELETE")]), name)
        acknowledgement = f"{stem_of(name)}.ACK.TXT"
        completed = self.client.run("--quote", f"DELE /retour/{acknowledgement}", "--list-only",
                                    self.client.url("/retour/"))
        self.assertEqual(completed.returncode, 0, self.client.describe(completed))
        self.assertNotIn(acknowledgement, self.client.list_names("/retour"))


# ---------------------------------------------------------------------------
# Tests that start and stop their own simulator
# ---------------------------------------------------------------------------


class LifecycleTests(unittest.TestCase):
    """Start, stop, restart and options that change the server's behaviour."""

    def setUp(self):
        self.temporary_dir = make_temporary_dir()
        self.addCleanup(self.temporary_dir.cleanup)
        self.base = Path(self.temporary_dir.name)
        self.started: list[RunningSimulator] = []
        self.addCleanup(self.stop_all)

    def stop_all(self):
        for simulator in self.started:
            if simulator.process is not None and simulator.process.poll() is None:
                simulator.stop()

    def start_simulator(self, *options: str, workdir_name: str = "work") -> RunningSimulator:
        simulator = RunningSimulator(self.base / workdir_name, *options)
        self.started.append(simulator)
        return simulator.start()

    def test_sigterm_stops_sessions_and_deletes_user(self):
        simulator = self.start_simulator()
        info = simulator.info
        context = ssl.create_default_context(cafile=info["ca_file"])
        session = ftplib.FTP_TLS(context=context, timeout=10)
        session.connect(info["host"], info["port"])
        session.login(info["user"], info["password"])
        session.prot_p()
        self.addCleanup(session.close)

        self.assertEqual(simulator.stop(signal.SIGTERM), 0, simulator.log_text())
        self.assertFalse(user_exists(info["user"]))
        self.assertFalse(simulator.ready_file.exists())
        self.assertFalse(port_accepts_connections(info["port"]))
        with self.assertRaises((OSError, EOFError, ftplib.Error)):
            session.voidcmd("NOOP")

    def test_sigint_deletes_user(self):
        simulator = self.start_simulator()
        self.assertEqual(simulator.stop(signal.SIGINT), 0, simulator.log_text())
        self.assertFalse(user_exists(simulator.info["user"]))

    def test_vsftpd_exit_deletes_user(self):
        simulator = self.start_simulator()
        os.kill(simulator.find_vsftpd_pid(), signal.SIGKILL)
        exit_code = simulator.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.assertEqual(exit_code, 1, simulator.log_text())
        self.assertIn("exited unexpectedly", simulator.log_text())
        self.assertFalse(user_exists(simulator.info["user"]))

    def test_next_start_deletes_user_of_killed_run(self):
        first = self.start_simulator()
        first_user = first.info["user"]
        self.assertEqual(first.stop(signal.SIGKILL), -signal.SIGKILL)
        self.assertTrue(user_exists(first_user))
        # vsftpd gets SIGTERM from the kernel when its parent dies.
        wait_until(lambda: not port_accepts_connections(first.info["port"]), STOP_TIMEOUT_SECONDS,
                   "vsftpd of the killed simulator to stop")

        second = self.start_simulator()
        self.assertFalse(user_exists(first_user))
        self.assertIn(f"deleting user {first_user} left by a previous run", second.log_text())
        self.assertEqual(second.stop(), 0, second.log_text())
        self.assertFalse(user_exists(second.info["user"]))

    def test_second_instance_on_same_workdir_rejected(self):
        first = self.start_simulator()
        completed = subprocess.run(
            [sys.executable, str(SIMULATOR), "--workdir", str(first.workdir),
             "--ready-file", str(self.base / "second-ready.json")],
            capture_output=True, text=True, timeout=STOP_TIMEOUT_SECONDS)
        self.assertEqual(completed.returncode, 2, completed.stderr)
        self.assertIn("another simulator uses", completed.stderr)
        self.assertTrue(user_exists(first.info["user"]))
        self.assertTrue(first.ready_file.exists())

    def test_restart_skips_processed_deposit(self):
        first = self.start_simulator()
        FtpsClient(first.info).deposit_and_wait(build_deposit([dwelling("LOG-1")]), deposit_name(1))
        self.assertEqual(first.stop(), 0, first.log_text())
        for returned in first.return_dir.iterdir():
            returned.unlink()

        second = self.start_simulator()
        client = FtpsClient(second.info)
        client.deposit_and_wait(build_deposit([dwelling("LOG-2")]), deposit_name(2))
        returned = client.list_names("/retour")
        self.assertNotIn(f"{stem_of(deposit_name(1))}.ACK.TXT", returned)
        self.assertIn(deposit_name(1), client.list_names("/depot"))
        # The new user owns the files of the previous run and can delete them.
        completed = client.run("--quote", f"DELE /depot/{deposit_name(1)}", "--list-only", client.url("/depot/"))
        self.assertEqual(completed.returncode, 0, client.describe(completed))

    def test_report_delay(self):
        delay = 3.0
        simulator = self.start_simulator("--report-delay", str(delay))
        client = FtpsClient(simulator.info)
        name = deposit_name(1)
        stem = stem_of(name)
        completed = client.upload(build_deposit([dwelling("LOG-1")]), name)
        self.assertEqual(completed.returncode, 0, client.describe(completed))
        client.wait_for_return_files([f"{stem}.ACK.TXT"])
        self.assertNotIn(f"{stem}.RAPPORT.CSV", client.list_names("/retour"))
        client.wait_for_return_files([f"{stem}.RAPPORT.CSV", f"{stem}.CERTIFICAT.PDF"])
        acknowledged_at = (simulator.return_dir / f"{stem}.ACK.TXT").stat().st_mtime
        reported_at = (simulator.return_dir / f"{stem}.RAPPORT.CSV").stat().st_mtime
        self.assertGreaterEqual(reported_at - acknowledged_at, delay - 0.1)

    def test_refuse_rename(self):
        simulator = self.start_simulator("--refuse-rename")
        client = FtpsClient(simulator.info)
        completed = client.upload(build_deposit([dwelling("LOG-1")]), deposit_name(1))
        self.assertEqual(completed.returncode, 21, client.describe(completed))
        self.assertIn(b"550 Permission denied", completed.stderr)
        self.assertIn(f"{deposit_name(1)}.part", client.list_names("/depot"))
        self.assertNotIn(deposit_name(1), client.list_names("/depot"))

    def test_utf8_encoding_option(self):
        simulator = self.start_simulator("--encoding", "utf-8")
        client = FtpsClient(simulator.info)
        utf8_files = client.deposit_and_wait(build_deposit([dwelling("LOG-UTF8")], encoding="utf-8"), deposit_name(1))
        self.assertEqual(parse_key_values(utf8_files["ACK"].decode())["statut"], "RECU")
        self.assertEqual(utf8_files["RAPPORT"].decode().splitlines()[1], "LOG-UTF8;INTEGRE;")

        cp1252_files = client.deposit_and_wait(build_deposit([dwelling("LOG-CP1252")]), deposit_name(2),
                                               expect_certificate=False)
        fields = parse_key_values(cp1252_files["ACK"].decode())
        self.assertEqual(fields["statut"], "REJETE")
        self.assertIn("non décodable en utf-8 à la ligne 2", fields["motif"])

    def test_non_root_rejected(self):
        setpriv = shutil.which("setpriv")
        system_python = "/usr/bin/python3"
        if setpriv is None or not os.access(system_python, os.X_OK):
            self.skipTest("needs setpriv and /usr/bin/python3 to run the simulator as nobody")
        # A copy in the temporary folder, because the user "nobody" may lack read access to the repository.
        copy = self.base / "platform_sim.py"
        shutil.copy(SIMULATOR, copy)
        completed = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", system_python, str(copy),
             "--workdir", str(self.base / "work"), "--ready-file", str(self.base / "ready.json")],
            capture_output=True, text=True, timeout=STOP_TIMEOUT_SECONDS)
        self.assertEqual(completed.returncode, 2, completed.stderr)
        self.assertIn("must run as root", completed.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("selftest.py must run as root, because the simulator creates a system user", file=sys.stderr)
        sys.exit(2)
    unittest.main()
