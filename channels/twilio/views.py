"""The webhook Twilio posts every inbound SMS and WhatsApp message to."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import InternalError, OperationalError

from channels.twilio.inbound import BadMessage, InboundMessage
from channels.twilio.signature import is_signed_by_twilio, public_base
from channels.twilio.webhook import answer, twiml
from finder.db import is_unavailable

blueprint = Blueprint("twilio", __name__, url_prefix="/channels/twilio")


@blueprint.post("/sms")
def sms() -> Response:
    settings = current_app.config["FINDER"]
    if settings.twilio_validate and not is_signed_by_twilio(request, settings):
        current_app.logger.warning("Twilio webhook: missing or wrong X-Twilio-Signature")
        return Response("Missing or wrong X-Twilio-Signature.\n", 403, mimetype="text/plain")
    try:
        message = InboundMessage.from_form(request.form)
    except BadMessage as error:
        return Response(f"{error}\n", 400, mimetype="text/plain")
    return Response(answer(message, settings, public_base(request, settings)), mimetype="text/xml")


@blueprint.errorhandler(OperationalError)
@blueprint.errorhandler(InternalError)
def database_unavailable(error: OperationalError | InternalError) -> Response:
    # Twilio drops the reply to a failed webhook: a 200 with an apology at least tells the citizen to try again.
    # Nothing was claimed or logged for the message, so the same text sent again is answered normally.
    if not is_unavailable(error):
        raise error
    current_app.logger.error("Twilio webhook: database unavailable: %s", type(error.orig or error).__name__)
    return Response(twiml(_("Service Finder is busy. Please try again shortly.")), mimetype="text/xml")
