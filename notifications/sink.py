"""A local SMTP sink (aiosmtpd) that accepts every message and records its Message-ID: for the
end-to-end tests and `manage.py bench_reminders`, which count lost and duplicated mails at the
receiving end. Run as a process: `python -m notifications.sink --port 2525 --out ids.txt`."""

import argparse
import re
import signal
import socket
import threading

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """The aiosmtpd handler: every accepted message's Message-ID, in order (and, with
    `keep`, the messages themselves, for tests that read what arrived)."""

    def __init__(self, out_path: str | None = None, *, keep: bool = False) -> None:
        self.ids: list[str] = []
        self.messages: list[bytes] = []
        self.keep = keep
        self.lock = threading.Lock()
        self.out = open(out_path, "a", buffering=1) if out_path else None  # noqa: SIM115

    async def handle_DATA(self, server, session, envelope) -> str:
        match = _MESSAGE_ID.search(envelope.original_content or envelope.content)
        message_id = match.group(1).decode() if match else "<none>"
        with self.lock:
            self.ids.append(message_id)
            if self.keep:
                self.messages.append(envelope.original_content or envelope.content)
            if self.out:
                self.out.write(message_id + "\n")
        return "250 OK"


class SmtpSink:
    """An SMTP server in a thread; `stop()` closes the port (connections are then refused)."""

    def __init__(
        self, port: int | None = None, out_path: str | None = None, *, keep: bool = False
    ) -> None:
        self.port = port or free_port()
        self.recorder = Recorder(out_path, keep=keep)
        self.controller = None

    @property
    def ids(self) -> list[str]:
        with self.recorder.lock:
            return list(self.recorder.ids)

    @property
    def messages(self) -> list[bytes]:
        """The raw messages received (only with `keep=True`)."""
        with self.recorder.lock:
            return list(self.recorder.messages)

    def start(self) -> "SmtpSink":
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    sink = SmtpSink(options.port, options.out).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    sink.stop()


if __name__ == "__main__":
    main()
