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


def thread_root(references: str | None, in_reply_to: str | None, message_id: str | None) -> str | None:
    """The thread a message belongs to: the first id in References (the root), else In-Reply-To,
    else its own Message-ID (a message that starts a thread is its root)."""
    return first_message_id(references) or first_message_id(in_reply_to) or message_id


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
# Subjects of delivery-failure notices (Postfix, Exim, Sendmail, qmail, Exchange, Gmail), for
# exports that keep no headers.
BOUNCE_SUBJECT_PREFIXES = (
    "undeliverable:",
    "undelivered mail returned to sender",
    "undeliverable mail",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "mail delivery failed",
    "mail delivery failure",
    "delivery failure",
    "returned mail:",
    "failure notice",
    "mail system error - returned mail",
    "nicht zustellbar:",
    "non remis :",
)
BOUNCE_LOCAL_PARTS = ("mailer-daemon", "postmaster")
# Exchange writes its non-delivery reports from MicrosoftExchange<guid>@…
BOUNCE_LOCAL_PREFIXES = ("microsoftexchange",)
BULK_PRECEDENCE = ("bulk", "junk", "list")


def is_auto_reply_subject(subject: str) -> bool:
    return collapse_ws(subject).lower().startswith(AUTO_REPLY_SUBJECT_PREFIXES)


def is_bounce_subject(subject: str) -> bool:
    return collapse_ws(subject).lower().startswith(BOUNCE_SUBJECT_PREFIXES)


def subject_label(subject: str) -> str:
    """What a subject alone says: bounce | auto_reply | direct."""
    if is_bounce_subject(subject):
        return "bounce"
    return "auto_reply" if is_auto_reply_subject(subject) else "direct"


def is_bounce_sender(addresses: list[str]) -> bool:
    locals_ = [a.partition("@")[0] for a in addresses]
    return any(p in BOUNCE_LOCAL_PARTS or p.startswith(BOUNCE_LOCAL_PREFIXES) for p in locals_)


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
    """direct | bulk | auto_reply | bounce | report | mailing_list, the first rule that fires in that order:

    bounce      Content-Type multipart/report with report-type delivery-status (RFC 3464), a
                From of MAILER-DAEMON / postmaster / MicrosoftExchange<guid>, X-Failed-Recipients,
                or, for exports without headers, a delivery-failure subject ("Undeliverable:",
                "Mail delivery failed", …).
    report      any other multipart/report: abuse feedback (RFC 5965 feedback-report), TLS or
                DMARC reports.
    auto_reply  Auto-Submitted other than "no" (RFC 3834), X-Autoreply / X-Autorespond,
                Precedence auto_reply, a read receipt (disposition-notification, RFC 8098), or
                an auto-responder subject prefix.
    mailing_list  List-Id or List-Unsubscribe (RFC 2369 / 2919).
    bulk        Precedence bulk / junk / list (without List-Id, else it is mailing_list).
    ``headers`` maps lower-cased header names to their raw values.
    """

    def first(name: str) -> str:
        values = headers.get(name)
        return clean_text(unfold(values[0])).strip().lower() if values else ""

    content_type = first("content-type")
    report_type = _report_type(headers["content-type"][0]) if "report" in content_type else ""
    label = subject_label(subject)
    if (
        report_type == "delivery-status"
        or is_bounce_sender(from_addresses)
        or "x-failed-recipients" in headers
        or (label == "bounce" and not headers)  # with headers, such a subject is a person forwarding one
    ):
        return "bounce"
    if report_type not in ("", "disposition-notification"):
        return "report"
    auto_submitted = first("auto-submitted").split(";")[0].strip()
    if (
        (auto_submitted and auto_submitted != "no")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or first("precedence") == "auto_reply"
        or report_type == "disposition-notification"
        or label == "auto_reply"
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
