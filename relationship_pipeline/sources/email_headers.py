"""What email headers say beyond addresses and dates: message ids, the thread, and the label.

Pure and total: a helper given garbage returns "nothing usable" (``None``, ``"direct"``)
instead of raising. Text, dates and addresses are in ``sources.text``, ``sources.dates`` and
``sources.addresses``.
"""

from __future__ import annotations

from email import policy

from relationship_pipeline.sources.text import clean_text, collapse_ws, unfold

_POLICY = policy.default


# --------------------------------------------------------------------------------------------
# Message ids and threads


def first_message_id(raw: str | None) -> str | None:
    """The first ``<msg-id>`` of a Message-ID / In-Reply-To / References value, brackets stripped.

    Values without angle brackets (broken clients) give their first whitespace-separated token.
    """
    if not raw:
        return None
    text = clean_text(unfold(raw)).strip()
    start = text.find("<")
    if start >= 0:
        end = text.find(">", start + 1)
        if end > start + 1:
            inner = text[start + 1 : end].strip()
            return inner or None
    tokens = text.split()
    if not tokens:
        return None
    token = tokens[0].strip("<>").strip()
    return token or None


# --------------------------------------------------------------------------------------------
# Labels

# Subject prefixes written by auto-responders (Outlook, Exchange, Notes, vacation(1)). A bare
# "Out of Office" subject is *not* one: in the Enron sample those are people announcing absence.
AUTO_REPLY_SUBJECT_PREFIXES = (
    "out of office autoreply:",
    "out of office:",
    "out of the office:",
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "auto response:",
    "auto-response:",
    "autoresponse:",
    "auto:",
    "away:",
    "abwesenheitsnotiz:",
    "réponse automatique:",
    "respuesta automática:",
)
BOUNCE_LOCAL_PARTS = ("mailer-daemon", "postmaster")
BULK_PRECEDENCE = ("bulk", "junk", "list")


def is_auto_reply_subject(subject: str) -> bool:
    return collapse_ws(subject).lower().startswith(AUTO_REPLY_SUBJECT_PREFIXES)


def is_bounce_sender(addresses: list[str]) -> bool:
    return any(a.partition("@")[0] in BOUNCE_LOCAL_PARTS for a in addresses)


# The fields categorise looks at.
LABEL_FIELDS = (
    "content-type",
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-failed-recipients",
    "list-id",
    "list-unsubscribe",
    "precedence",
)


def categorise(headers: dict[str, list[str]], subject: str, from_addresses: list[str]) -> str:
    """direct | bulk | auto_reply | bounce | mailing_list, the first rule that fires in that order:

    bounce      Content-Type multipart/report with report-type delivery-status (RFC 3464), a
                From of MAILER-DAEMON / postmaster, or X-Failed-Recipients.
    auto_reply  Auto-Submitted other than "no" (RFC 3834), X-Autoreply / X-Autorespond, a
                multipart/report read receipt (disposition-notification), or an auto-responder
                subject prefix.
    mailing_list  List-Id or List-Unsubscribe (RFC 2369 / 2919).
    bulk        Precedence bulk / junk / list (without List-Id, else it is mailing_list).
    ``headers`` maps lower-cased header names to their raw values.
    """

    def first(name: str) -> str:
        values = headers.get(name)
        return clean_text(unfold(values[0])).strip().lower() if values else ""

    content_type = first("content-type")
    report_type = _report_type(headers["content-type"][0]) if "report" in content_type else ""
    if report_type == "delivery-status" or is_bounce_sender(from_addresses) or "x-failed-recipients" in headers:
        return "bounce"
    auto_submitted = first("auto-submitted").split(";")[0].strip()
    if (
        (auto_submitted and auto_submitted != "no")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or report_type == "disposition-notification"
        or is_auto_reply_subject(subject)
    ):
        return "auto_reply"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing_list"
    if first("precedence") in BULK_PRECEDENCE:
        return "bulk"
    return "direct"


def _report_type(raw: str) -> str:
    """report-type parameter of a multipart/report Content-Type ('' for anything else)."""
    try:
        header = _POLICY.header_fetch_parse("content-type", unfold(raw))
        if header.content_type != "multipart/report":
            return ""
        return str(header.params.get("report-type", "")).strip().lower()
    except Exception:
        return ""
