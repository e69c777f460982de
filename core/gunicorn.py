"""gunicorn's access log without link tokens (used by changehub/gunicorn_conf.py).

The emailed links carry their token in the URL path, so that they work without JavaScript
(see core/signing.py). gunicorn would log that path in the request line (`%(r)s`, `%(U)s`), in
the Referer (`%(f)s`) of every request the link page makes and in the header and environment
atoms; this logger replaces each token by "[redacted]" in all of them, whatever
`access_log_format` says."""

import re

from gunicorn.glogging import Logger

_ATOM = re.compile(r"%\((.+?)\)")


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms carry no link token."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        try:
            from core.signing import redact_text

            # Only what the format prints (a request has dozens of header and environment
            # atoms); a format naming an atom in upper case finds it too.
            for key in {key.lower() if key.startswith("{") else key for key in self._used()}:
                value = atoms.get(key)
                if isinstance(value, str):
                    atoms[key] = redact_text(value)
            return atoms
        except Exception:  # never lose the line: blank the parts that may leak
            for key in ("r", "U", "f", "{raw_uri}e", "{path_info}e", "{referer}i"):
                if key in atoms:
                    atoms[key] = "[redacted]"
            return atoms

    def _used(self) -> list[str]:
        return _ATOM.findall(self.cfg.access_log_format)
