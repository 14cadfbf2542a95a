"""Which video sources a request over the network may name: client-side streams and cameras, and files only
where the server's configuration allows.

Whoever types a source into the command line already has the machine; a request to the server does not.
Left open, a run's source would let an operator make the server open any file it can read, hand FFmpeg one
of its own protocols (``concat:``, ``subfile:``, ...) that reach further still, or make it *listen*: open a
socket that anyone who can reach the server may push frames into, inside an authorised deployment. So a
requested source is a stream the server connects to as a client, a camera device under ``/dev``, or an
existing file inside one of the directories the server is configured to take video from; anything else is
refused before it reaches FFmpeg.

What FFmpeg (libavformat 62, FFmpeg 8, as PyAV bundles it) takes from a URL, read in its sources and
checked by opening each URL below and watching which sockets the process opens:

* ``tcp://``: every option of the protocol is read from the query string, percent-decoded
  (``?listen``, ``?listen=2``, ``?%6Cisten=1`` and ``?x&listen`` all listen; ``local_addr``/``local_port``
  bind), from the first ``?`` of the whole URL: a ``#`` starts no fragment (``tcp://h:1#?listen=1``
  listens). Only ``timeout`` and ``tcp_nodelay`` are allowed; the host must be named and not a wildcard.
* ``udp://``: options likewise (``localaddr``, ``localport``, ``reuse``, ...), and *reading* a unicast
  URL binds the URL's own address and port (``udp://127.0.0.1:5000`` receives from anyone who sends there;
  ``udp://@:5000`` binds every interface): every unicast UDP input is a listening socket. Only a
  multicast group (``udp://239.1.2.3:5000``), which FFmpeg joins and binds to the group address, is a
  subscription rather than a listener; the options allowed are those that tune the receive buffer or narrow
  the senders (``sources``).
* ``rtsp://``, ``rtsps://``: the query belongs to the camera (``?channel=1&subtype=0``) and is sent to it,
  except the tokens ``udp`` and ``multicast``, which make FFmpeg bind local UDP ports for the media, so they
  are refused; listening is only an FFmpeg option (``rtsp_flags=listen``), never read from the URL.
* ``http://``, ``https://``: the query is the server's; listening is only an FFmpeg option.
* ``rtmp://`` (``listen``), ``srt://`` (``mode=listener``), ``tls://`` (``listen``, and ``cert_file``,
  ``key_file``, ``ca_file`` that read local files) and every other protocol are refused.

The options the server passes through PyAV's ``options=`` are its own (:class:`VideoSource`'s defaults:
the RTSP transport and timeouts); a request cannot add any.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from watchkeeper.errors import ErrorKind, InputError
from watchkeeper.video.sources import SourceKind

_PROTOCOL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
"""A location that starts like ``name:`` is a URL to FFmpeg, not a file name."""


@dataclass(frozen=True, slots=True)
class _StreamRule:
    """What a request may put in a URL of one scheme."""

    options: frozenset[str] | None
    """The query keys FFmpeg may read from the URL; None when the query is the camera's, not FFmpeg's."""
    refused_tokens: frozenset[str] = frozenset()
    """Query tokens FFmpeg reads from a camera's query (RTSP's transport tokens) that must not be there."""
    multicast_only: bool = False
    """Reading any other address binds it (UDP)."""


_STREAM_RULES = {
    "rtsp": _StreamRule(None, frozenset({"udp", "multicast"})),
    "rtsps": _StreamRule(None, frozenset({"udp", "multicast"})),
    "http": _StreamRule(None),
    "https": _StreamRule(None),
    "tcp": _StreamRule(frozenset({"timeout", "tcp_nodelay"})),
    "udp": _StreamRule(
        frozenset({"timeout", "buffer_size", "fifo_size", "overrun_nonfatal", "pkt_size", "sources"}),
        multicast_only=True,
    ),
}
"""The client-side stream protocols a request may name, by scheme."""


class SourceNotAllowedError(InputError):
    """A requested video source that the server's configuration does not let a request name."""

    code = "source_not_allowed"
    kind = ErrorKind.REFUSED


def check_requested_source(location: str, video_directories: Sequence[Path]) -> None:
    """Refuse ``location`` unless it is a client-side stream (:data:`_STREAM_RULES`), a camera device, or
    an existing file inside one of ``video_directories`` (after symbolic links and ``..`` are resolved)."""
    kind = SourceKind.of(location)
    if kind is SourceKind.STREAM:
        _check_stream(location)
        return
    if kind is SourceKind.DEVICE:
        if Path(location).resolve().is_relative_to("/dev"):
            return
        raise SourceNotAllowedError(location, "not a device under /dev")
    allowed = ", ".join(str(d) for d in video_directories) or "none configured"
    reason = f"a file source must be a video file in one of the server's video directories ({allowed})"
    if _PROTOCOL.match(location) or not video_directories:
        raise SourceNotAllowedError(location, reason)
    path = Path(location).resolve()
    if not path.is_file() or not any(path.is_relative_to(d.resolve()) for d in video_directories):
        raise SourceNotAllowedError(location, reason)


def _check_stream(location: str) -> None:
    """Refuse a stream URL that would make FFmpeg listen, bind or reach beyond a client connection, reading
    it the way FFmpeg does (see the module's docstring)."""
    scheme, _, rest = location.partition("://")
    rule = _STREAM_RULES.get(scheme.lower())
    if rule is None:
        allowed = ", ".join(f"{name}://" for name in _STREAM_RULES)
        raise SourceNotAllowedError(location, f"a stream must be one the server connects to ({allowed})")
    if any(character.isspace() or not character.isprintable() for character in location):
        raise SourceNotAllowedError(location, "a stream URL has no spaces or control characters")
    host = _host(rest)
    if not host or _is_wildcard(host):
        raise SourceNotAllowedError(location, "a stream must name the host to connect to, not a wildcard")
    if rule.multicast_only and not _is_multicast(host):
        raise SourceNotAllowedError(
            location, "reading UDP from an address other than a multicast group listens on it; use a group"
        )
    _check_query(location, rule)


def _check_query(location: str, rule: _StreamRule) -> None:
    _, question, query = location.partition("?")  # FFmpeg's query: after the first "?", "#" included
    keys = [unquote(pair.partition("=")[0]) for pair in query.split("&") if pair] if question else []
    if rule.options is None:
        refused = sorted(rule.refused_tokens.intersection(keys))
        if refused:
            raise SourceNotAllowedError(location, f"FFmpeg would bind local ports for {', '.join(refused)}")
        return
    unknown = sorted({key for key in keys if key not in rule.options})
    if unknown:
        allowed = ", ".join(sorted(rule.options))
        raise SourceNotAllowedError(
            location, f"option {', '.join(unknown)} is not allowed in a request's source (allowed: {allowed})"
        )


def _host(rest: str) -> str:
    """The host FFmpeg's ``av_url_split`` finds after ``scheme://``: the authority ends at ``/``, ``?`` or
    ``#``, credentials end at its last ``@``, an IPv6 address is in brackets, a port follows a colon."""
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    return authority.partition(":")[0]


def _is_wildcard(host: str) -> bool:
    """An address that means "every interface" when bound (``0.0.0.0`` in any of the forms the C library
    accepts, such as ``0`` or ``0x0``; ``::``)."""
    try:
        return socket.inet_aton(host) == bytes(4)
    except OSError:
        pass
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _is_multicast(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_multicast
    except ValueError:
        return False
