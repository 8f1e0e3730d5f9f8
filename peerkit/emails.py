"""Email, sent with Flask-Mailman; today only set-up links.

The SMTP settings come from the environment (MAIL_SERVER and friends, see README.md) and
are read when a message is sent. A development server with no MAIL_SERVER prints the
message on its console instead; a production server with none refuses to send, saying so.
"""

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from .extensions import mail
from .i18n import LANGUAGES, select_locale
from .models import User


class MailNotSent(Exception):
    """The message could not be handed to the mail server; the text says why."""


def _connection():
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if config.get("PEERKIT_DEV"):
            return mail.get_connection("console")  # the development server's console
        raise MailNotSent(
            _("Email is not set up on this server (MAIL_SERVER): ask the operator to set it.")
        )
    return mail.get_connection(
        "smtp",
        host=config["MAIL_SERVER"],
        port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=10,
    )


def setup_link(token: str) -> str:
    """The set-up address: the token rides in the fragment, which no server or log sees."""
    return url_for("auth.accept_invitation", _external=True) + "#" + token


def send_setup_link(user: User, token: str) -> None:
    """Email `user` their own one-time set-up link, in their chosen language (else the
    sender's). Raises MailNotSent."""
    if not user.email:
        raise MailNotSent(
            _("%(name)s has no email address: add one first.", name=user.display_name)
        )
    with force_locale(LANGUAGES.get(user.locale) or select_locale()):
        subject = _("Set up your PeerKit account")
        body = _(
            "Hello %(name)s,\n\n"
            "Your PeerKit username is %(username)s. Open this link to choose your "
            "password. It works once, for 7 days, and nobody else has been shown it:\n\n"
            "%(link)s\n\n"
            "If you did not expect this email, tell your PeerKit administrator.\n",
            name=user.display_name,
            username=user.username,
            link=setup_link(token),
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=current_app.config.get("MAIL_DEFAULT_SENDER") or "peerkit@localhost",
        to=[user.email],
        connection=_connection(),
    )
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        raise MailNotSent(
            _(
                "The email could not be sent (mail server: %(error)s). Try again later.",
                error=type(error).__name__,
            )
        ) from None
