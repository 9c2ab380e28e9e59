#!/usr/bin/env python3
"""An FTPS proxy on 127.0.0.1 that injects network faults between a client and vsftpd.

The proxy terminates TLS on both sides: it presents the simulator's own server certificate to
the client and opens its own TLS connections to vsftpd. It can therefore read the control
connection, rewrite the EPSV and PASV replies so that data connections also pass through it, and
cut a connection at a chosen point of the exchange. Its data connections to vsftpd resume the
TLS session of its control connection, as vsftpd's require_ssl_reuse demands.

Faults (--fault), each applied --fault-count times, after which the proxy only forwards:

  none            forward everything
  data-fin        after --cut-after bytes of an upload, close both data connections with a TCP FIN
                  and no TLS close_notify
  data-rst        the same with a TCP RST (SO_LINGER 0)
  data-close      the same cut towards the client, but a TLS close_notify and a FIN towards
                  vsftpd, which then takes the partial file as complete and replies 226
  control-fin     when vsftpd sends the final success reply to --command (default STOR), close
                  both control connections with a FIN before the reply reaches the client
  control-rst     the same with a RST
  reply           answer --command with --reply (for example "452 Insufficient storage.")
                  instead of forwarding it
  greeting        answer a new connection with --reply (for example "421 Too busy.") and close
  handshake-fin   forward AUTH TLS and its 234 reply, then read the client's first TLS bytes and
                  close with a FIN
  handshake-rst   the same with a RST
  stall           accept a connection and send nothing until the client gives up

Every fault that fires, every command relayed and the TLS version of every client connection
are appended to --events as one JSON object per line, so that a test can check what happened. The proxy listens on --listen-port
(0: a free port) and writes {"port": N, "pid": N} to --ready-file once it accepts connections.
Stop it with SIGTERM.
"""
import argparse
import json
import os
import re
import socket
import ssl
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
IO_TIMEOUT_SECONDS = 60
UPLOAD_COMMANDS = {"STOR", "APPE", "STOU"}
DOWNLOAD_COMMANDS = {"RETR", "LIST", "NLST", "MLSD"}
EPSV_REPLY = re.compile(r"\(\|\|\|(\d+)\|\)")
PASV_REPLY = re.compile(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)")


class FaultBudget:
    """Counts how many more times the configured fault may fire, across all connections."""

    def __init__(self, name: str, count: int):
        self.name = name
        self._left = count
        self._lock = threading.Lock()

    def take(self, name: str) -> bool:
        with self._lock:
            if self.name != name or self._left <= 0:
                return False
            self._left -= 1
            return True


class EventLog:
    def __init__(self, path: str):
        self._path = path
        self._lock = threading.Lock()

    def write(self, **event) -> None:
        event["time"] = time.time()
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(event) + "\n")


def cut(sock: socket.socket, reset: bool) -> None:
    """Close `sock` without a TLS close_notify: with a FIN, or with a RST when `reset`."""
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            # SSLSocket.shutdown shuts the TCP connection down without a TLS alert.
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def close_cleanly(sock: ssl.SSLSocket) -> None:
    """Close `sock` with a TLS close_notify, then a FIN."""
    try:
        sock.unwrap()
    except (OSError, ssl.SSLError, ValueError):
        pass
    sock.close()


class LineReader:
    """Reads CRLF-terminated lines from a socket that may be upgraded to TLS."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def read_line(self) -> bytes | None:
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except OSError:
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def read_reply(self) -> list[bytes] | None:
        """Reads one FTP reply, which may span several lines ("123-" up to "123 ")."""
        first = self.read_line()
        if first is None:
            return None
        lines = [first]
        if len(first) >= 4 and first[3:4] == b"-":
            code = first[:3]
            while True:
                line = self.read_line()
                if line is None:
                    return None
                lines.append(line)
                if line[:3] == code and line[3:4] == b" ":
                    break
        return lines


class DataRelay:
    """One data connection: the client's side, accepted by the proxy, and vsftpd's side."""

    def __init__(self, proxy: "Proxy", upstream_port: int, session):
        self.proxy = proxy
        self.upstream_port = upstream_port
        self.session = session
        self.command = ""
        self.command_known = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.listener.settimeout(IO_TIMEOUT_SECONDS)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.run, daemon=True).start()

    def set_command(self, verb: str) -> None:
        self.command = verb
        self.command_known.set()

    def run(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        finally:
            self.listener.close()
        client.settimeout(IO_TIMEOUT_SECONDS)
        try:
            upstream = socket.create_connection((HOST, self.upstream_port), IO_TIMEOUT_SECONDS)
        except OSError:
            cut(client, reset=False)
            return
        try:
            client = self.proxy.server_context.wrap_socket(client, server_side=True)
            upstream = self.proxy.client_context.wrap_socket(
                upstream, server_hostname=HOST, session=self.session)
        except (OSError, ssl.SSLError) as error:
            self.proxy.events.write(kind="data-handshake-failed", error=str(error))
            cut(client, reset=False)
            cut(upstream, reset=False)
            return
        self.proxy.events.write(kind="tls", channel="data", version=client.version(),
                                upstream_resumed=upstream.session_reused)
        self.command_known.wait(IO_TIMEOUT_SECONDS)
        if self.command in UPLOAD_COMMANDS:
            self.relay(client, upstream, upload=True)
        else:
            self.relay(upstream, client, upload=False)

    def relay(self, source: ssl.SSLSocket, target: ssl.SSLSocket, upload: bool) -> None:
        forwarded = 0
        cut_after = self.proxy.args.cut_after
        while True:
            try:
                chunk = source.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            if upload and forwarded + len(chunk) > cut_after:
                for fault in ("data-fin", "data-rst", "data-close"):
                    if self.proxy.budget.take(fault):
                        target.sendall(chunk[: cut_after - forwarded])
                        forwarded = cut_after
                        self.proxy.events.write(kind="fault", fault=fault, bytes=forwarded)
                        reset = fault == "data-rst"
                        cut(source, reset)
                        if fault == "data-close":
                            close_cleanly(target)
                        else:
                            cut(target, reset)
                        return
            try:
                target.sendall(chunk)
            except OSError:
                break
            forwarded += len(chunk)
        self.proxy.events.write(kind="data", command=self.command, bytes=forwarded)
        close_cleanly(target)
        close_cleanly(source)


class ControlSession:
    """Relays one control connection in lockstep: a command, then its replies."""

    def __init__(self, proxy: "Proxy", client: socket.socket):
        self.proxy = proxy
        self.client = LineReader(client)
        self.upstream: LineReader | None = None
        self.data: DataRelay | None = None

    def send_client(self, lines: list[bytes]) -> None:
        self.client.sock.sendall(b"".join(lines))

    def run(self) -> None:
        proxy = self.proxy
        client = self.client.sock
        client.settimeout(IO_TIMEOUT_SECONDS)
        if proxy.budget.take("stall"):
            proxy.events.write(kind="fault", fault="stall")
            client.settimeout(None)
            try:
                while client.recv(4096):
                    pass
            except OSError:
                pass
            client.close()
            return
        if proxy.budget.take("greeting"):
            proxy.events.write(kind="fault", fault="greeting", reply=proxy.args.reply)
            client.sendall(proxy.args.reply.encode() + b"\r\n")
            cut(client, reset=False)
            return
        try:
            upstream = socket.create_connection((HOST, proxy.args.upstream_port),
                                                IO_TIMEOUT_SECONDS)
        except OSError as error:
            proxy.events.write(kind="upstream-unreachable", error=str(error))
            cut(client, reset=True)
            return
        self.upstream = LineReader(upstream)
        try:
            self.relay()
        except (OSError, ssl.SSLError) as error:
            proxy.events.write(kind="control-error", error=str(error))
        for sock in (self.client.sock, self.upstream.sock):
            try:
                sock.close()
            except OSError:
                pass

    def relay(self) -> None:
        greeting = self.upstream.read_reply()
        if greeting is None:
            return
        self.send_client(greeting)
        while True:
            line = self.client.read_line()
            if line is None:
                return
            verb = line.split(b" ", 1)[0].strip().upper().decode("ascii", "replace")
            # The password never reaches the event file.
            self.proxy.events.write(kind="command", command=verb)
            if verb == self.proxy.args.command and self.proxy.budget.take("reply"):
                self.proxy.events.write(kind="fault", fault="reply", command=verb,
                                        reply=self.proxy.args.reply)
                self.send_client([self.proxy.args.reply.encode() + b"\r\n"])
                continue
            if self.data is not None and verb in UPLOAD_COMMANDS | DOWNLOAD_COMMANDS:
                self.data.set_command(verb)
                self.data = None
            self.upstream.sock.sendall(line)
            if not self.relay_replies(verb):
                return

    def relay_replies(self, verb: str) -> bool:
        """Forwards the replies to one command. Returns False when the session is over."""
        while True:
            reply = self.upstream.read_reply()
            if reply is None:
                return False
            code = reply[-1][:3].decode("ascii", "replace")
            if verb == "AUTH" and code == "234":
                return self.start_tls(reply)
            if verb in ("EPSV", "PASV") and code in ("227", "229"):
                reply = [self.open_data_relay(reply[-1], code)]
            final = not code.startswith("1")
            if final and verb == self.proxy.args.command and code.startswith("2"):
                for fault in ("control-fin", "control-rst"):
                    if self.proxy.budget.take(fault):
                        self.proxy.events.write(kind="fault", fault=fault, command=verb,
                                                reply=code)
                        reset = fault == "control-rst"
                        cut(self.client.sock, reset)
                        cut(self.upstream.sock, reset)
                        return False
            self.send_client(reply)
            if final:
                return True

    def start_tls(self, reply: list[bytes]) -> bool:
        self.send_client(reply)
        for fault in ("handshake-fin", "handshake-rst"):
            if self.proxy.budget.take(fault):
                first_bytes = self.client.sock.recv(4096)
                self.proxy.events.write(kind="fault", fault=fault, bytes=len(first_bytes))
                cut(self.client.sock, fault == "handshake-rst")
                cut(self.upstream.sock, fault == "handshake-rst")
                return False
        try:
            client = self.proxy.server_context.wrap_socket(self.client.sock, server_side=True)
        except (OSError, ssl.SSLError) as error:
            self.proxy.events.write(kind="client-handshake-failed", error=str(error))
            return False
        upstream = self.proxy.client_context.wrap_socket(self.upstream.sock,
                                                         server_hostname=HOST)
        self.proxy.events.write(kind="tls", channel="control", version=client.version())
        self.client = LineReader(client)
        self.upstream = LineReader(upstream)
        return True

    def open_data_relay(self, line: bytes, code: str) -> bytes:
        text = line.decode("ascii", "replace")
        if code == "229":
            match = EPSV_REPLY.search(text)
            upstream_port = int(match.group(1)) if match else 0
        else:
            match = PASV_REPLY.search(text)
            upstream_port = int(match.group(5)) * 256 + int(match.group(6)) if match else 0
        if not match:
            return line
        self.data = DataRelay(self.proxy, upstream_port, self.upstream.sock.session)
        port = self.data.port
        if code == "229":
            return f"229 Entering Extended Passive Mode (|||{port}|)\r\n".encode()
        return f"227 Entering Passive Mode (127,0,0,1,{port // 256},{port % 256}).\r\n".encode()


class Proxy:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.budget = FaultBudget(args.fault, args.fault_count)
        self.events = EventLog(args.events)
        self.server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_context.load_cert_chain(args.cert, args.key)
        self.client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client_context.load_verify_locations(args.ca)
        # TLS 1.2 towards vsftpd, whose session IDs a data connection can resume any number of
        # times.
        self.client_context.maximum_version = ssl.TLSVersion.TLSv1_2

    def serve(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.args.listen_port))
        listener.listen(16)
        ready = {"port": listener.getsockname()[1], "pid": os.getpid()}
        temporary = self.args.ready_file + ".tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(ready, out)
        os.replace(temporary, self.args.ready_file)
        while True:
            client, _ = listener.accept()
            session = ControlSession(self, client)
            threading.Thread(target=session.run, daemon=True).start()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--upstream-port", type=int, required=True,
                        help="control port of vsftpd on 127.0.0.1")
    parser.add_argument("--cert", required=True, help="server certificate shown to the client")
    parser.add_argument("--key", required=True, help="private key of --cert")
    parser.add_argument("--ca", required=True, help="CA file that verifies vsftpd")
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--events", required=True, help="file that receives one event a line")
    parser.add_argument("--listen-port", type=int, default=0)
    parser.add_argument("--fault", default="none",
                        choices=("none", "data-fin", "data-rst", "data-close", "control-fin", "control-rst",
                                 "reply", "greeting", "handshake-fin", "handshake-rst", "stall"))
    parser.add_argument("--fault-count", type=int, default=1)
    parser.add_argument("--cut-after", type=int, default=16384,
                        help="bytes of an upload forwarded before a data-* cut")
    parser.add_argument("--command", default="STOR",
                        help="command that the reply and control-* faults apply to")
    parser.add_argument("--reply", default="421 Service not available.",
                        help="reply line sent by the reply and greeting faults")
    return parser.parse_args()


def main() -> int:
    Proxy(parse_arguments()).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
